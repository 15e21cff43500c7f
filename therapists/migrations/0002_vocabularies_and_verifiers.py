"""Seeds the article's massage types, back issues, and the vocabularies the filters use;
creates the Verifiers group with the permission to decide on certifications."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

SPECIALTIES = [
    ("Swedish", "swedish", "Long, flowing strokes, kneading and circular motions that ease muscle tension and "
     "promote relaxation. A gentle, soothing choice, and a good first massage."),
    ("Deep tissue", "deep-tissue", "Slow, firm strokes and focused pressure on the deeper layers of muscle and "
     "connective tissue, for chronic tension and specific musculoskeletal problems."),
    ("Hot stone", "hot-stone", "Heated stones placed on the back and other areas relax the muscles and increase "
     "blood flow, for people who enjoy warmth or prefer a gentler approach."),
    ("Thai", "thai", "Stretching, acupressure and rhythmic pressure applied with hands, elbows, knees and feet, "
     "to improve flexibility and balance."),
    ("Sports", "sports", "Deep tissue techniques, stretching and targeted pressure for active people: preventing "
     "and treating injuries, easing soreness and helping recovery."),
    ("Prenatal", "prenatal", "Massage adapted to pregnancy by a therapist trained in which positions, areas and "
     "techniques are safe for the mother and the baby."),
]

FOCUS_AREAS = [
    ("Upper back tension", "upper-back-tension", "Tightness between the shoulder blades, often from long hours at a desk."),
    ("Lower back pain", "lower-back-pain", "Aching or stiffness in the lower back from strain, posture or activity."),
    ("Sciatica", "sciatica", "Pain running from the lower back into the leg; ask a healthcare professional first "
     "if you feel numbness or tingling."),
    ("Shoulder and neck tightness", "shoulder-neck-tightness", "Stiff neck and shoulders that limit movement."),
    ("Posture correction", "posture-correction", "Releasing the muscle imbalances that pull the spine out of alignment."),
]

AMENITIES = [
    ("Private treatment room", "private-room"),
    ("Fresh linens for every client", "fresh-linens"),
    ("Shower available", "shower"),
    ("Wheelchair accessible", "wheelchair-accessible"),
    ("On-site parking", "parking"),
    ("Heated table", "heated-table"),
]

LANGUAGES = [
    ("en", "English"), ("es", "Spanish"), ("zh", "Chinese"), ("fr", "French"), ("de", "German"),
    ("pt", "Portuguese"), ("vi", "Vietnamese"), ("ko", "Korean"), ("th", "Thai"), ("ru", "Russian"),
    ("ar", "Arabic"), ("tl", "Tagalog"), ("hi", "Hindi"), ("ja", "Japanese"), ("it", "Italian"),
]


def seed(apps, schema_editor):
    Specialty = apps.get_model("therapists", "Specialty")
    FocusArea = apps.get_model("therapists", "FocusArea")
    Amenity = apps.get_model("therapists", "Amenity")
    Language = apps.get_model("therapists", "Language")
    for position, (name, slug, description) in enumerate(SPECIALTIES):
        Specialty.objects.update_or_create(slug=slug, defaults={"name": name, "description": description,
                                                                "position": position})
    for position, (name, slug, description) in enumerate(FOCUS_AREAS):
        FocusArea.objects.update_or_create(slug=slug, defaults={"name": name, "description": description,
                                                                "position": position})
    for position, (name, slug) in enumerate(AMENITIES):
        Amenity.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})
    for code, name in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})

    # Permissions are normally created after all migrations; the group needs its one now.
    app_config = apps.get_app_config("therapists")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    verifiers, _ = Group.objects.get_or_create(name="Verifiers")
    verifiers.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="therapists",
            codename__in=["verify_certification", "view_certification", "change_certification",
                          "view_therapist", "view_certificationdecision"],
        )
    )


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Verifiers").delete()
    for model, slugs in (("Specialty", SPECIALTIES), ("FocusArea", FOCUS_AREAS)):
        apps.get_model("therapists", model).objects.filter(slug__in=[row[1] for row in slugs]).delete()
    apps.get_model("therapists", "Amenity").objects.filter(slug__in=[row[1] for row in AMENITIES]).delete()
    apps.get_model("therapists", "Language").objects.filter(code__in=[row[0] for row in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("therapists", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
