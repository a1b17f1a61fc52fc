"""La Coop de la médiation numérique's rules for a collective CRA, re-implemented for the tests.

Written from the reference, not from `field_app.vocab`, so a wrong code there fails here:
github.com/inclusion-numerique/coop-mediation-numerique (commit 46aa33b), under ``apps/web/``.
Each rule names its source. ``row`` is one line of the export read with `csv.DictReader`
(strings, as the Coop's form receives them; its counts go through ``z.coerce.number()``).
"""

from __future__ import annotations

import datetime as dt
import re

CRA = "src/features/activites/use-cases/cra/"

# prisma/schema.prisma, enum TypeActivite (@map values) = fields/type-activite.ts typeActiviteApiValues
TYPE_ACTIVITE = {"individuel": "Accompagnement individuel", "collectif": "Atelier collectif"}
# prisma/schema.prisma, enum TypeLieu; labels: fields/type-lieu.ts typeLieuLabels
TYPE_LIEU = {
    "lieu_activite": "Lieu d’activité",
    "autre": "Autre lieu",
    "domicile": "À domicile",
    "a_distance": "À distance",
}
# prisma/schema.prisma, enum Materiel; labels: fields/materiel.ts materielLabels
MATERIEL = {
    "ordinateur": "Ordinateur",
    "telephone": "Téléphone",
    "tablette": "Tablette",
    "autre": "Autre",
    "aucun": "Pas de matériel",
}
# prisma/schema.prisma, enum NiveauAtelier; labels: collectif/fields/niveau-atelier.ts niveauAtelierLabels
NIVEAU = {"debutant": "Débutant", "intermediaire": "Intermédiaire", "avance": "Avancé"}
# prisma/schema.prisma, enum Thematique (30 values); labels: fields/thematique.ts thematiqueLabels
THEMATIQUES = {
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
# fields/thematique.ts thematiquesAdministrativesApiValues
ADMINISTRATIVES = {
    "papiers_elections_citoyennete",
    "famille_scolarite",
    "social_sante",
    "travail_formation",
    "logement",
    "transports_mobilite",
    "argent_impots",
    "justice",
    "etrangers_europe",
    "loisirs_sports_culture",
    "associations",
}
# prisma/schema.prisma enums Genre, TrancheAge, StatutSocial (@map values)
GENRES = ("masculin", "feminin", "non_communique")
TRANCHES_AGE = (
    "moins_de_douze",
    "douze_dix_huit",
    "dix_huit_vingt_quatre",
    "vingt_cinq_trente_neuf",
    "quarante_cinquante_neuf",
    "soixante_soixante_neuf",
    "soixante_dix_plus",
    "non_communique",
)
STATUTS = ("scolarise", "sans_emploi", "en_emploi", "retraite", "non_communique")
# collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts participantsAnonymesMax
PARTICIPANTS_MAX = 10_000
# validation/CraDureeValidation.ts maxHeures, maxMinutes
MAX_HEURES, MAX_MINUTES = 23, 59


def _codes(cell: str) -> list[str]:
    return [c.strip() for c in cell.split(",") if c.strip()]


def _labels_match(row: dict, codes_column: str, labels_column: str, labels: dict) -> bool:
    codes = _codes(row[codes_column])
    return row[labels_column] == ", ".join(labels.get(c, "?") for c in codes)


def problems(row: dict) -> list[str]:
    """Every Coop rule the row breaks (empty: the Coop's collective-CRA form accepts it)."""
    out = []

    # fields/type-activite.ts: a collective CRA is TypeActivite Collectif, API value "collectif".
    if row["type"] != "collectif" or row["type_libelle"] != TYPE_ACTIVITE["collectif"]:
        out.append(f"{CRA}fields/type-activite.ts: type {row['type']!r}")

    # validation/CraValidation.ts: date z.string().date() (ISO YYYY-MM-DD, a real day).
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"]):
            raise ValueError
        dt.date.fromisoformat(row["date"])
    except ValueError:
        out.append(f"{CRA}validation/CraValidation.ts: date {row['date']!r}")

    # validation/CraDureeValidation.ts: hours 0–23, minutes 0–59, and one of them given (non-zero);
    # prisma/schema.prisma Activite.duree: Int, minutes.
    try:
        hours, minutes = divmod(int(row["duree"]), 60)
        if not (0 <= hours <= MAX_HEURES and 0 <= minutes <= MAX_MINUTES and (hours or minutes)):
            raise ValueError
    except ValueError:
        out.append(f"{CRA}validation/CraDureeValidation.ts: duree {row['duree']!r}")

    # validation/CraValidation.ts: typeLieu z.enum(typeLieuValues), required.
    if row["type_lieu"] not in TYPE_LIEU or row["type_lieu_libelle"] != TYPE_LIEU.get(
        row["type_lieu"]
    ):
        out.append(f"{CRA}validation/CraValidation.ts: type_lieu {row['type_lieu']!r}")

    # collectif/validation/CraCollectifValidation.ts: typeLieu Autre or Domicile needs lieuCommuneData,
    # whose commune, codePostal and codeInsee are strings (external-apis/ban/AdresseBanValidation.ts)
    # kept as Activite.lieuCommune, lieuCodePostal, lieuCodeInsee (prisma/schema.prisma).
    if row["type_lieu"] in ("autre", "domicile") and (
        not row["lieu_commune"]
        or not re.fullmatch(r"\d{5}", row["lieu_code_postal"])
        or not re.fullmatch(r"\d{5}|2[AB]\d{3}", row["lieu_code_insee"])
    ):
        out.append(
            f"{CRA}collectif/validation/CraCollectifValidation.ts: commune {row['lieu_commune']!r}"
        )

    # validation/CraValidation.ts: materiel z.array(z.enum(materielValues)).
    if not set(_codes(row["materiel"])) <= set(MATERIEL) or not _labels_match(
        row, "materiel", "materiel_libelles", MATERIEL
    ):
        out.append(f"{CRA}validation/CraValidation.ts: materiel {row['materiel']!r}")

    # validation/CraValidation.ts: thematiques z.array(z.enum(thematiqueValues)).min(1).
    thematiques = _codes(row["thematiques"])
    if (
        not thematiques
        or not set(thematiques) <= set(THEMATIQUES)
        or not _labels_match(row, "thematiques", "thematiques_libelles", THEMATIQUES)
    ):
        out.append(f"{CRA}validation/CraValidation.ts: thematiques {row['thematiques']!r}")

    # collectif/validation/CraCollectifServerValidation.ts with
    # validation/canHaveAdministrationThematiques.ts.
    if (
        "aide_aux_demarches_administratives" not in thematiques
        and set(thematiques) & ADMINISTRATIVES
    ):
        out.append(f"{CRA}validation/canHaveAdministrationThematiques.ts: {row['thematiques']!r}")

    # collectif/validation/CraCollectifValidation.ts: titreAtelier z.string().nullish(),
    # niveau z.enum(niveauAtelierValues).nullish().
    if row["niveau"] and (
        row["niveau"] not in NIVEAU or row["niveau_libelle"] != NIVEAU[row["niveau"]]
    ):
        out.append(f"{CRA}collectif/validation/CraCollectifValidation.ts: niveau {row['niveau']!r}")

    # collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts: every count an integer
    # (z.coerce.number().int()) at most participantsAnonymesMax.
    count_columns = [
        "participants_total",
        "deja_accompagnes",
        *(f"genre_{c}" for c in GENRES),
        *(f"tranche_age_{c}" for c in TRANCHES_AGE),
        *(f"statut_social_{c}" for c in STATUTS),
    ]
    counts = {}
    for column in count_columns:
        try:
            counts[column] = int(row[column])
        except ValueError:
            out.append(
                f"{CRA}collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts: {column} {row[column]!r}"
            )
            return out
        if counts[column] > PARTICIPANTS_MAX or counts[column] < 0:
            out.append(
                f"{CRA}collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts: {column} > max"
            )
    total = counts["participants_total"]

    # collectif/validation/CraCollectifValidation.ts: participants.length > 0 || participantsAnonymes.total > 0
    # (Dynamobile's participants are all anonymous).
    if total <= 0:
        out.append(f"{CRA}collectif/validation/CraCollectifValidation.ts: aucun bénéficiaire")

    # collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts refines: dejaAccompagne,
    # countTotalGenre, countTotalTrancheAge, countTotalStatutSocial each <= total
    # (sums from collectif/validation/participantsAnonymes.ts).
    groups = {"genre": GENRES, "tranche_age": TRANCHES_AGE, "statut_social": STATUTS}
    if counts["deja_accompagnes"] > total:
        out.append(
            f"{CRA}collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts: dejaAccompagne > total"
        )
    for prefix, codes in groups.items():
        summed = sum(counts[f"{prefix}_{c}"] for c in codes)
        if summed > total:
            out.append(
                f"{CRA}collectif/validation/ParticipantsAnonymesCraCollectifValidation.ts: {prefix} > total"
            )
        # collectif/validation/participantsAnonymes.ts countGenreNonCommunique, countTrancheAgeNonCommunique,
        # countStatutSocialNonCommunique: « non communiqué » is the total minus the others, so the sums
        # are consistent (createEmptyParticipantsAnonymes: everyone non communiqué by default).
        others = sum(counts[f"{prefix}_{c}"] for c in codes if c != "non_communique")
        if counts[f"{prefix}_non_communique"] != total - others:
            out.append(
                f"{CRA}collectif/validation/participantsAnonymes.ts: {prefix} non_communique"
            )
    return out
