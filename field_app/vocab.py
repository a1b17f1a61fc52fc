"""Fixed vocabularies of the field app: codes stored in the database, French labels shown.

Codes never change once records use them; labels may. Nothing here identifies a resident.

Activity data follows La Coop de la médiation numérique's collective CRA (compte-rendu
d'activité): its codes are the API values of the Coop (snake_case) and its labels are the
Coop's, copied from github.com/inclusion-numerique/coop-mediation-numerique (files named at
each table, under ``apps/web/src/``). The first phone form's codes (age bands ``0_11`` …
``60_plus``, topics ``demarches`` …) stay valid for the records made with it; each says here what
it is reported as.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = {"agent": "Agent de terrain", "coordinator": "Coordination"}

RECORD_KINDS = ("checkin", "checkout", "interaction", "tally")

# The data format of a phone record (``data.v``): 1 the first form (no ``v``), 2 the Coop's.
FORM_V1, FORM_V2 = 1, 2
# Which age bands an interaction row counts in (column ``age_scheme``).
SCHEME_V1, SCHEME_COOP = "v1", "coop"


@dataclass(frozen=True)
class Term:
    """A code's French label, the Coop code it is reported as (None: the Coop has none), and
    whether it only comes from records of the first form (never offered again)."""

    label: str
    coop: str | None
    legacy: bool = False


# --- The Coop's tables -------------------------------------------------------------------------

# features/activites/use-cases/cra/fields/type-activite.ts (typeActiviteLabels, typeActiviteApiValues)
TYPES_ACTIVITE = {"individuel": "Accompagnement individuel", "collectif": "Atelier collectif"}

# features/activites/use-cases/cra/fields/type-lieu.ts (typeLieuLabels, typeLieuApiValues)
TYPES_LIEU = {
    "lieu_activite": "Lieu d’activité",
    "autre": "Autre lieu",
    "domicile": "À domicile",
    "a_distance": "À distance",
}
# Every Dynamobile stop is a mobile stop away from La Dynamo's premises.
TYPE_LIEU_STOP = "autre"

# features/activites/use-cases/cra/collectif/fields/niveau-atelier.ts (niveauAtelierLabels, …ApiValues)
NIVEAUX = {"debutant": "Débutant", "intermediaire": "Intermédiaire", "avance": "Avancé"}

# features/activites/use-cases/cra/fields/thematique.ts (thematiquesNonAdministrativesLabels and
# thematiquesNonAdministrativesApiValues), in the Coop's order.
THEMATIQUES_NON_ADMINISTRATIVES = {
    "diagnostic_numerique": "Diagnostic numérique",
    "prendre_en_main_du_materiel": "Prendre en main du matériel",
    "maintenance_de_materiel": "Maintenance de matériel",
    "gere_ses_contenus_numeriques": "Gérer ses contenus numériques",
    "navigation_sur_internet": "Navigation sur internet",
    "email": "E-mail",
    "bureautique": "Bureautique",
    "reseaux_sociaux": "Réseaux sociaux communication",
    "sante": "Santé",
    "banque_et_achats_en_ligne": "Banque et achats en ligne",
    "entrepreneuriat": "Accompagner un professionnel",
    "insertion_professionnelle": "Insertion professionnelle",
    "securite_numerique": "Prévention en sécurité numérique",
    "parentalite": "Parentalité",
    "scolarite_et_numerique": "Scolarité et numérique",
    "creer_avec_le_numerique": "Créer avec le numérique",
    "culture_numerique": "Culture numérique",
    "intelligence_artificielle": "Intelligence artificielle (IA)",
    "aide_aux_demarches_administratives": "Aide aux démarches administratives",
}
# Same file (thematiquesAdministrativesLabels, thematiquesAdministrativesApiValues).
THEMATIQUES_ADMINISTRATIVES = {
    "papiers_elections_citoyennete": "Papiers - Élections - Citoyenneté",
    "famille_scolarite": "Famille - Scolarité",
    "social_sante": "Social - Santé",
    "travail_formation": "Travail - Formation - Entreprise",
    "logement": "Logement",
    "transports_mobilite": "Transports - Mobilité",
    "argent_impots": "Argent - Impôts",
    "justice": "Justice",
    "etrangers_europe": "Étrangers - Europe",
    "loisirs_sports_culture": "Loisirs - Sports - Culture",
    "associations": "Associations",
}
THEMATIQUES = {**THEMATIQUES_NON_ADMINISTRATIVES, **THEMATIQUES_ADMINISTRATIVES}
AIDE_DEMARCHES = "aide_aux_demarches_administratives"

# features/activites/use-cases/cra/fields/materiel.ts (materielLabels, materielApiValues)
MATERIEL = {
    "ordinateur": "Ordinateur",
    "telephone": "Téléphone",
    "tablette": "Tablette",
    "autre": "Autre",
    "aucun": "Pas de matériel",
}
MATERIEL_NONE = "aucun"

# features/beneficiaire/domain/tranche-age.ts (trancheAgeLabels), codes from app/api/v1/activites/
# route.ts (trancheAgeApiValues); youngest first, as in ParticipantsAnonymesCraCollectifValidation.ts.
TRANCHES_AGE = {
    "moins_de_douze": "Moins de 12 ans",
    "douze_dix_huit": "12 - 17 ans",
    "dix_huit_vingt_quatre": "18 - 24 ans",
    "vingt_cinq_trente_neuf": "25 - 39 ans",
    "quarante_cinquante_neuf": "40 - 59 ans",
    "soixante_soixante_neuf": "60 - 69 ans",
    "soixante_dix_plus": "70 ans et plus",
    "non_communique": "Non communiqué",
}
NON_COMMUNIQUE = "non_communique"
# features/beneficiaire/domain/genre.ts (genreLabels); codes: route.ts (genreApiValues).
GENRES = {"feminin": "Féminin", "masculin": "Masculin", "non_communique": "Non communiqué"}
# features/beneficiaire/domain/statut-social.ts (statutSocialLabels); codes: route.ts
# (statutSocialApiValues), in the order of ParticipantsAnonymesCraCollectifValidation.ts.
STATUTS_SOCIAUX = {
    "scolarise": "Scolarisé",
    "sans_emploi": "Sans emploi",
    "en_emploi": "En emploi",
    "retraite": "Retraité",
    "non_communique": "Non communiqué ou hétérogène",
}

# --- Dynamobile's form, with what each code is reported as ---------------------------------------

# Age bands of the phone form: the Coop's eight. A band is stored in column ``age_<code>``,
# except « non communiqué », stored in ``age_unknown``.
AGE_BANDS = tuple(TRANCHES_AGE.items())
AGE_BAND_CODES = tuple(TRANCHES_AGE)
# Optional counters: whoever is not counted is « non communiqué ».
GENRE_CODES = ("feminin", "masculin")
STATUT_CODES = ("scolarise", "sans_emploi", "en_emploi", "retraite")

# The first form's bands (``age_<code>`` columns, kept for its records). Only two are inside one
# Coop band; the others straddle Coop bands and are reported « non communiqué ».
V1_AGE_BANDS = {
    "0_11": Term("0–11 ans", "moins_de_douze", legacy=True),
    "12_17": Term("12–17 ans", "douze_dix_huit", legacy=True),
    "18_25": Term("18–25 ans", None, legacy=True),
    "26_59": Term("26–59 ans", None, legacy=True),
    "60_plus": Term("60 ans et +", None, legacy=True),
}

# Topics: the Coop's 30 thématiques, then the first form's topics with the thématique each is
# reported as (« Autre » has none: such a stop needs a thématique from the coordinator).
TOPICS = {
    **{code: Term(label, code) for code, label in THEMATIQUES.items()},
    "demarches": Term("Démarches en ligne", "aide_aux_demarches_administratives", legacy=True),
    "fablab": Term("Fablab / impression 3D", "creer_avec_le_numerique", legacy=True),
    "vr": Term("Réalité virtuelle", "culture_numerique", legacy=True),
    "microfolie": Term("Micro-Folie", "culture_numerique", legacy=True),
    "emploi": Term("Emploi", "insertion_professionnelle", legacy=True),
    "smartphone": Term(
        "Prise en main smartphone/tablette", "prendre_en_main_du_materiel", legacy=True
    ),
    "autre": Term("Autre", None, legacy=True),
}

# Equipment: the Coop's five, and La Dynamo's own tools, each reported as the Coop's « Autre ».
EQUIPMENT = {
    "telephone": Term(MATERIEL["telephone"], "telephone"),
    "tablette": Term(MATERIEL["tablette"], "tablette"),
    "ordinateur": Term(MATERIEL["ordinateur"], "ordinateur"),
    "casque_vr": Term("Casque de réalité virtuelle", "autre"),
    "imprimante_3d": Term("Imprimante 3D", "autre"),
    "microfolie": Term("Micro-Folie (écran, tablettes)", "autre"),
    "autre": Term(MATERIEL["autre"], "autre"),
    "aucun": Term(MATERIEL["aucun"], "aucun"),
    "smartphone": Term("Smartphone", "telephone", legacy=True),
}

# What the first form accepted, exactly (its records are checked against these forever).
V1_TOPIC_CODES = frozenset(code for code, term in TOPICS.items() if term.legacy)
V1_EQUIPMENT_CODES = frozenset(
    ("smartphone", "tablette", "ordinateur", "casque_vr", "imprimante_3d", "microfolie", "autre")
)


def offered(table: dict[str, Term]) -> dict[str, str]:
    """Code → label of the terms the current form offers."""
    return {code: term.label for code, term in table.items() if not term.legacy}


def label(table: dict[str, Term], code: str) -> str:
    term = table.get(code)
    return term.label if term else code


# Places or events at La Dynamo an agent can invite people to.
INVITATIONS = {
    "fablab": "Fablab",
    "microfolie": "Micro-Folie",
    "atelier_numerique": "Atelier numérique",
    "permanence_demarches": "Permanence démarches en ligne",
    "evenement": "Événement à La Dynamo",
    "autre": "Autre",
}

# ``returning`` is the Coop's « déjà accompagné » (dejaAccompagne).
VISITS = {"first": "Première fois", "returning": "Déjà venu·e", "unknown": "Ne sait pas"}

# features/activites/use-cases/cra/validation/canHaveAdministrationThematiques.ts
ADMINISTRATIVE_RULE = (
    "Les thématiques administratives ne sont autorisées que si la thématique "
    f'"{THEMATIQUES[AIDE_DEMARCHES]}" est sélectionnée'
)


def administrative_allowed(thematiques) -> bool:
    """The Coop's rule: administrative sub-themes only with « Aide aux démarches administratives »."""
    codes = set(thematiques)
    return AIDE_DEMARCHES in codes or not codes & set(THEMATIQUES_ADMINISTRATIVES)
