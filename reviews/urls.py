"""Review URLs: leaving, editing, deleting, replying to and flagging reviews."""

app_name = "reviews"

urlpatterns = []
