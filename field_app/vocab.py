"""Fixed vocabularies of the field app: codes stored in the database, French labels shown.

Codes never change once records use them; labels may. Nothing here identifies a resident.
"""

ROLES = {"agent": "Agent de terrain", "coordinator": "Coordination"}

# (column suffix, label) — the column is ``age_<suffix>`` in `Interaction`.
AGE_BANDS = (
    ("0_11", "0–11 ans"),
    ("12_17", "12–17 ans"),
    ("18_25", "18–25 ans"),
    ("26_59", "26–59 ans"),
    ("60_plus", "60 ans et +"),
)
AGE_BAND_CODES = tuple(code for code, _ in AGE_BANDS)

TOPICS = {
    "demarches": "Démarches en ligne",
    "fablab": "Fablab / impression 3D",
    "vr": "Réalité virtuelle",
    "microfolie": "Micro-Folie",
    "emploi": "Emploi",
    "smartphone": "Prise en main smartphone/tablette",
    "autre": "Autre",
}

EQUIPMENT = {
    "smartphone": "Smartphone",
    "tablette": "Tablette",
    "ordinateur": "Ordinateur portable",
    "casque_vr": "Casque de réalité virtuelle",
    "imprimante_3d": "Imprimante 3D",
    "microfolie": "Micro-Folie (écran, tablettes)",
    "autre": "Autre matériel",
}

# Places or events at La Dynamo an agent can invite people to.
INVITATIONS = {
    "fablab": "Fablab",
    "microfolie": "Micro-Folie",
    "atelier_numerique": "Atelier numérique",
    "permanence_demarches": "Permanence démarches en ligne",
    "evenement": "Événement à La Dynamo",
    "autre": "Autre",
}

VISITS = {"first": "Première visite", "returning": "Déjà venu·e", "unknown": "Ne sait pas"}

RECORD_KINDS = ("checkin", "checkout", "interaction", "tally")

# CRA (French digital-inclusion activity report) mappings; see docs/field_app.md.
CRA_TOPICS = {
    "demarches": "Démarches en ligne",
    "fablab": "Créer avec le numérique",
    "vr": "Culture numérique",
    "microfolie": "Culture numérique",
    "emploi": "Insertion professionnelle",
    "smartphone": "Prendre en main du matériel",
    "autre": "Autre",
}
CRA_EQUIPMENT = {
    "smartphone": "Téléphone",
    "tablette": "Tablette",
    "ordinateur": "Ordinateur",
    "casque_vr": "Autre matériel",
    "imprimante_3d": "Autre matériel",
    "microfolie": "Autre matériel",
    "autre": "Autre matériel",
}
