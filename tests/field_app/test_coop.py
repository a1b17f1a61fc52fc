"""The Coop entry sheet (`--format coop`): every row passes the Coop's collective-CRA rules
(`coop_rules`, re-implemented from the reference), the current form's values come out as given,
and the first form's records are exported as they are and marked."""

import csv
import datetime as dt
import io
import uuid

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, select

from field_app import exports, records, vocab
from field_app.db import MIGRATIONS_DIR, make_engine, new_session, upgrade
from field_app.models import Interaction, Stop

from . import coop_rules
from .conftest import coop_interaction, form_token, interaction, stop_ids, tally
from .planning import PARIS


def sheet(client) -> list[dict]:
    response = client.get("/coord/export/coop.csv")
    assert response.status_code == 200
    assert "cra-collectif-coop" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def assert_coop_valid(rows: list[dict]) -> None:
    for row in rows:
        assert coop_rules.problems(row) == [], row


def at_paris(hour: int, minute: int = 0) -> str:
    day = dt.datetime.now(PARIS).date()
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS).isoformat()


def event(stop_id: int, kind: str, at: str) -> dict:
    return {"uuid": str(uuid.uuid4()), "kind": kind, "stop_id": stop_id, "at": at, "data": {}}


def log_a_day(app, auth) -> tuple[int, int, int]:
    """A day with the current form: encounters with every field, +1s, a stop with only +1s."""
    auth.login("alice")
    halles, curial, scarabee = stop_ids(app, "van-1")
    batch = [
        event(halles, "checkin", at_paris(9, 5)),
        event(halles, "checkout", at_paris(10, 50)),
        coop_interaction(halles, at=at_paris(9, 20)),
        coop_interaction(
            halles,
            at=at_paris(9, 40),
            ages={"moins_de_douze": 2},
            genres={"feminin": 1, "masculin": 1},
            statuts={"scolarise": 2},
            topics=["creer_avec_le_numerique"],
            equipment=["imprimante_3d"],
            visit="first",
            invitations=[],
        ),
        coop_interaction(
            curial,
            at=at_paris(12, 10),
            ages={"dix_huit_vingt_quatre": 1},
            genres={"masculin": 1},
            statuts={"sans_emploi": 1},
            topics=["insertion_professionnelle"],
            equipment=["aucun"],
            visit="first",
        ),
        tally(curial, "quarante_cinquante_neuf", at=at_paris(12, 30)),
        tally(scarabee, "soixante_soixante_neuf", at=at_paris(15, 10)),
        tally(scarabee, "non_communique", at=at_paris(15, 20)),
    ]
    results = auth.sync(batch).get_json()["results"]
    assert [r["code"] for r in results] == [201] * len(batch), results
    return halles, curial, scarabee


def test_reference_vocabularies_are_the_coop_s():
    # vocab.py and the test's own copy of the reference must agree, code and label.
    assert vocab.THEMATIQUES == coop_rules.THEMATIQUES and len(vocab.THEMATIQUES) == 30
    assert set(vocab.THEMATIQUES_ADMINISTRATIVES) == coop_rules.ADMINISTRATIVES
    assert vocab.MATERIEL == coop_rules.MATERIEL and vocab.TYPES_LIEU == coop_rules.TYPE_LIEU
    assert vocab.NIVEAUX == coop_rules.NIVEAU and vocab.TYPES_ACTIVITE == coop_rules.TYPE_ACTIVITE
    assert tuple(vocab.TRANCHES_AGE) == coop_rules.TRANCHES_AGE
    assert (
        set(vocab.GENRES) == set(coop_rules.GENRES)
        and tuple(vocab.STATUTS_SOCIAUX) == coop_rules.STATUTS
    )
    assert all(term.coop in (None, *vocab.THEMATIQUES) for term in vocab.TOPICS.values())
    assert all(term.coop in vocab.MATERIEL for term in vocab.EQUIPMENT.values())
    assert vocab.TOPICS["demarches"].coop == "aide_aux_demarches_administratives"
    assert vocab.TOPICS["autre"].coop is None and vocab.EQUIPMENT["autre"].coop == "autre"


def test_a_day_with_the_new_form_exports_what_agents_gave(app, client, auth):
    log_a_day(app, auth)
    auth.login("coord")
    rows = sheet(client)
    assert_coop_valid(rows)
    assert list(rows[0])[: len(exports.COOP_COLUMNS)] == list(exports.COOP_COLUMNS)
    assert [r["lieu"] for r in rows] == [
        "Les Halles",
        "Carré Curial",
    ]  # Le Scarabée: no thématique yet

    h = rows[0]
    assert (
        h["type"],
        h["type_lieu"],
        h["lieu_commune"],
        h["lieu_code_postal"],
        h["lieu_code_insee"],
    ) == ("collectif", "autre", "Chambéry", "73000", "73065")
    assert h["date"] == dt.datetime.now(PARIS).date().isoformat()
    assert h["duree"] == "105" and h["heure_debut"] == "09:05"  # check-in to check-out
    assert h["titre_atelier"] == "Dynamobile – Les Halles (Centre-ville)"
    assert (
        h["thematiques"] == "creer_avec_le_numerique, aide_aux_demarches_administratives, logement"
    )
    assert (
        h["thematiques_libelles"]
        == "Créer avec le numérique, Aide aux démarches administratives, Logement"
    )
    assert h["materiel"] == "telephone, autre" and h["materiel_libelles"] == "Téléphone, Autre"
    assert (h["participants_total"], h["deja_accompagnes"]) == ("5", "3")
    assert (h["genre_feminin"], h["genre_masculin"], h["genre_non_communique"]) == ("3", "2", "0")
    assert (
        h["tranche_age_moins_de_douze"],
        h["tranche_age_vingt_cinq_trente_neuf"],
        h["tranche_age_soixante_dix_plus"],
        h["tranche_age_non_communique"],
    ) == ("2", "2", "1", "0")
    assert (
        h["statut_social_scolarise"],
        h["statut_social_en_emploi"],
        h["statut_social_retraite"],
        h["statut_social_non_communique"],
    ) == ("2", "2", "1", "0")
    assert h["ancien_formulaire"] == "non" and h["remarque"] == ""
    assert h["invitations"] == "Permanence démarches en ligne" and h["agents"] == "alice"

    c = rows[1]
    assert c["duree"] == "120" and c["materiel"] == "aucun"  # planned opening; « Pas de matériel »
    assert (c["participants_total"], c["deja_accompagnes"]) == ("2", "0")
    # The +1 gave an age only: its gender and status are « non communiqué », the encounter's are not.
    assert (c["genre_masculin"], c["genre_non_communique"]) == ("1", "1")
    assert (
        c["tranche_age_dix_huit_vingt_quatre"],
        c["tranche_age_quarante_cinquante_neuf"],
        c["tranche_age_non_communique"],
    ) == ("1", "1", "0")


def test_stop_without_thematique_is_flagged_then_completed(app, client, auth):
    _, _, scarabee = log_a_day(app, auth)
    auth.login("coord")
    board = client.get("/coord/").get_data(as_text=True)
    assert "CRA à compléter (1)" in board and "Le Scarabée" in board and "à compléter" in board
    with new_session(app) as session:
        tour_id = session.get(Stop, scarabee).tour_id
    page = client.get(f"/coord/tournees/{tour_id}").get_data(as_text=True)
    assert f'id="arret-{scarabee}"' in page and "À compléter" in page

    token = form_token(page)
    url = f"/coord/arrets/{scarabee}/cra"
    refused = client.post(
        url, data={"csrf_token": token, "thematiques": ["logement"], "niveau": ""}
    )
    assert refused.status_code == 400 and "thématiques administratives" in refused.get_data(
        as_text=True
    )
    response = client.post(
        url, data={"csrf_token": token, "thematiques": ["culture_numerique"], "niveau": "debutant"}
    )
    assert response.status_code == 302
    rows = sheet(client)
    assert_coop_valid(rows)
    scarabee_row = next(r for r in rows if r["lieu"] == "Le Scarabée")
    assert scarabee_row["thematiques"] == "culture_numerique"
    assert (scarabee_row["niveau"], scarabee_row["niveau_libelle"]) == ("debutant", "Débutant")
    assert (
        scarabee_row["tranche_age_soixante_soixante_neuf"],
        scarabee_row["tranche_age_non_communique"],
    ) == ("1", "1")
    assert "CRA à compléter" not in client.get("/coord/").get_data(as_text=True)


def test_first_form_records_export_and_are_marked(app, client, auth):
    auth.login("alice")
    halles, curial, scarabee = stop_ids(app, "van-1")
    batch = [
        interaction(halles),  # 18–25: 2, 60+: 1; démarches, VR; tablette; first visit
        interaction(
            halles,
            data={
                "ages": {"0_11": 3, "26_59": 1},
                "topics": ["fablab"],
                "equipment": ["imprimante_3d"],
                "visit": "returning",
            },
        ),
        coop_interaction(
            halles,
            ages={"douze_dix_huit": 1},
            genres={},
            statuts={},
            topics=["culture_numerique"],
            equipment=["tablette"],
            visit="first",
        ),
        tally(curial, "12_17", v=None),
        tally(curial, None, v=None),
        interaction(scarabee, data={"ages": {"60_plus": 1}, "topics": ["autre"]}),
    ]
    assert [r["code"] for r in auth.sync(batch).get_json()["results"]] == [201] * len(batch)
    with new_session(app) as session:
        schemes = sorted(session.scalars(select(Interaction.age_scheme)))
        assert schemes == ["coop"] + ["v1"] * 5
        old = session.scalars(
            select(Interaction).where(Interaction.age_scheme == "v1").order_by(Interaction.id)
        ).first()
        assert (old.age_18_25, old.age_60_plus, old.topics) == (
            2,
            1,
            "demarches vr",
        )  # stored as sent

    auth.login("coord")
    rows = sheet(client)
    assert_coop_valid(rows)
    assert [r["lieu"] for r in rows] == ["Les Halles"]  # +1s only, « Autre » only: to be completed
    h = rows[0]
    assert h["ancien_formulaire"] == "oui" and "Ancien formulaire" in h["remarque"]
    assert (h["ancien_18_25"], h["ancien_26_59"], h["ancien_60_plus"]) == ("2", "1", "1")
    assert (h["participants_total"], h["deja_accompagnes"]) == ("8", "4")
    # 0–11 and 12–17 lie inside Coop bands; 18–25, 26–59 and 60+ cannot be split.
    assert (
        h["tranche_age_moins_de_douze"],
        h["tranche_age_douze_dix_huit"],
        h["tranche_age_non_communique"],
    ) == ("3", "1", "4")
    assert h["genre_non_communique"] == "8" and h["statut_social_non_communique"] == "8"
    assert (
        h["thematiques"]
        == "creer_avec_le_numerique, culture_numerique, aide_aux_demarches_administratives"
    )
    assert h["materiel"] == "tablette, autre"

    with new_session(app) as session:
        result = exports.write_export(session, io.StringIO(), fmt="coop")
    assert result.rows == 1 and len(result.left_out) == 2
    assert any("Carré Curial" in text and "aucune thématique" in text for text in result.left_out)


def test_cra_address_is_an_alias_of_the_coop_sheet(app, client, auth):
    auth.login("coord")
    response = client.get("/coord/export/cra.csv?du=2025-06-01&au=2025-06-30")
    assert response.status_code == 302 and "/coord/export/coop.csv?" in response.headers["Location"]
    assert "du=2025-06-01" in response.headers["Location"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"topics": ["logement"]}, "thématiques administratives ne sont autorisées"),
        (
            {"genres": {"feminin": 4}},
            "genres : plus de personnes (4) que dans les tranches d'âge (3)",
        ),
        ({"statuts": {"retraite": 2, "en_emploi": 2}}, "statuts : plus de personnes"),
        ({"equipment": ["aucun", "tablette"]}, "« Pas de matériel » avec un autre matériel"),
        (
            {"equipment": ["smartphone"]},
            "equipment : code(s) inconnu(s) smartphone",
        ),  # first-form code
        ({"topics": ["demarches"]}, "topics : code(s) inconnu(s) demarches"),
        ({"ages": {"18_25": 1}}, "ages : tranche(s) inconnue(s) 18_25"),
        ({"ages": {"non_communique": 0}}, "ages : au moins une personne"),
        ({"genres": {"autre": 1}}, "genres : code(s) inconnu(s) autre"),
        ({"v": 3}, "v : version de formulaire inconnue 3"),
    ],
)
def test_new_form_records_are_checked_like_the_coop(app, auth, data, message):
    auth.login("alice")
    record = coop_interaction(stop_ids(app, "van-1")[0], **data)
    result = auth.sync([record]).get_json()["results"][0]
    assert result["code"] == 422 and message in result["message"]


def test_tallies_of_both_forms(app, auth):
    auth.login("alice")
    stop = stop_ids(app, "van-1")[0]
    batch = [
        tally(stop, "70_plus"),
        tally(stop, "0_11"),
        tally(stop, "0_11", v=None),
        tally(stop, "moins_de_douze", v=None),
        tally(stop, None),
        tally(stop, "soixante_dix_plus"),
    ]
    assert [r["code"] for r in auth.sync(batch).get_json()["results"]] == [
        422,
        422,
        201,
        422,
        201,
        201,
    ]
    with new_session(app) as session:
        rows = session.scalars(select(Interaction).order_by(Interaction.id)).all()
    assert [(r.age_scheme, r.people) for r in rows] == [("v1", 1), ("coop", 1), ("coop", 1)]
    assert (rows[0].age_0_11, rows[1].age_unknown, rows[2].age_soixante_dix_plus) == (1, 1, 1)


def test_first_form_record_hashes_as_before(app):
    # A phone may resend a record whose answer it lost before the upgrade: its normal form, hence
    # its hash, must be what the first version computed, or it would be refused as a conflict.
    parsed = records.parse_record(interaction(7))
    assert parsed.canonical() == (
        '{"at":"2025-06-02T09:15:00+00:00","data":{"ages":{"0_11":0,"12_17":0,"18_25":2,"26_59":0,"60_plus":1},'
        '"equipment":["tablette"],"invitations":["fablab"],"note":"intéressés par l\'atelier",'
        '"topics":["demarches","vr"],"visit":"first"},"kind":"interaction","stop_id":7}'
    )
    assert (
        records.parse_record(tally(7, None, v=None))
        .canonical()
        .endswith('"data":{"band":null},"kind":"tally","stop_id":7}')
    )


def test_upgrade_keeps_first_form_rows(db_url, make_app):
    """A database of the first version, with records, upgraded: nothing rewritten, all exported."""
    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    day = dt.date(2025, 6, 2)
    utc = dt.datetime(2025, 6, 2, 7, 0)  # naive UTC, as stored
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        t = meta.tables
        conn.execute(
            t["users"].insert(),
            {
                "id": 1,
                "name": "alice",
                "password_hash": "x",
                "role": "agent",
                "active": True,
                "created_at": utc,
            },
        )
        conn.execute(
            t["tours"].insert(),
            {
                "id": 1,
                "date": day,
                "vehicle": "van-1",
                "vehicle_name": "Fourgon",
                "vehicle_kind": "van",
                "scenario": "demo",
                "start": utc,
                "end": utc,
                "imported_at": utc,
            },
        )
        conn.execute(
            t["stops"].insert(),
            {
                "id": 1,
                "tour_id": 1,
                "position": 0,
                "site": "halles",
                "occurrence": 0,
                "name": "Les Halles",
                "kind": "market",
                "address": "Place de Genève",
                "quartier": "Centre-ville",
                "lat": 45.566,
                "lon": 5.92,
                "arrive": utc,
                "setup_start": utc,
                "start": utc,
                "end": utc + dt.timedelta(hours=2),
                "leave": utc + dt.timedelta(hours=2),
                "edited": False,
                "cancelled": False,
                "in_plan": True,
            },
        )
        conn.execute(
            t["records"].insert(),
            {
                "uuid": "0" * 36,
                "kind": "interaction",
                "user_id": 1,
                "stop_id": 1,
                "content": "{}",
                "content_sha256": "0" * 64,
                "client_at": utc,
                "received_at": utc,
            },
        )
        conn.execute(
            t["interactions"].insert(),
            {
                "id": 1,
                "record_uuid": "0" * 36,
                "stop_id": 1,
                "user_id": 1,
                "at": utc,
                "source": "form",
                "age_0_11": 1,
                "age_12_17": 0,
                "age_18_25": 2,
                "age_26_59": 0,
                "age_60_plus": 1,
                "age_unknown": 0,
                "topics": "demarches autre",
                "equipment": "smartphone",
                "invitations": "",
                "visit": "returning",
                "note": "",
            },
        )
    upgrade(engine)
    engine.dispose()

    app = make_app()
    with new_session(app) as session:
        row = session.get(Interaction, 1)
        assert (
            row.age_scheme,
            row.age_18_25,
            row.age_dix_huit_vingt_quatre,
            row.genre_feminin,
        ) == ("v1", 2, 0, 0)
        assert (row.topics, row.equipment) == ("demarches autre", "smartphone")
        stop = session.get(Stop, 1)
        assert (stop.insee, stop.postcode, stop.commune, stop.cra_thematiques) == (
            "73065",
            "73000",
            "Chambéry",
            "",
        )
        out = io.StringIO()
        assert exports.write_export(session, out, fmt="coop").rows == 1
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue()[1:]), delimiter=";"))
    assert coop_rules.problems(row) == []
    assert (
        row["ancien_formulaire"] == "oui"
        and row["thematiques"] == "aide_aux_demarches_administratives"
    )
    assert row["thematiques_hors_coop"] == "Autre" and row["materiel"] == "telephone"
    assert (
        row["tranche_age_moins_de_douze"],
        row["tranche_age_non_communique"],
        row["deja_accompagnes"],
    ) == ("1", "3", "4")
