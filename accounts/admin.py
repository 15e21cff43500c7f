"""Accounts in the admin: Django's own user admin, for the project's user model."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from .models import User


class AccountCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = AccountCreationForm
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "usable_password", "password1", "password2"]}),
    ]
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "email", "first_name", "last_name"]
