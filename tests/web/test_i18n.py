"""The interface in French: pages render French, every template string is marked
for translation, and every catalogue is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

WEB = Path(__file__).resolve().parents[2] / "src" / "tocsin" / "web"
TEMPLATES = sorted(WEB.glob("*/templates/**/*.html"))
PO_FILES = sorted(WEB.glob("*/locale/*/LC_MESSAGES/django.po"))
APPS = ("shell", "assessments", "accounts", "audit", "alerts", "countries", "tracker", "api",
        "monitoring")

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def _page(client, url, **extra) -> str:
    resp = client.get(url, **extra)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode()


def _absent(body: str, *english: str) -> None:
    left = [e for e in english if e in body]
    assert not left, f"English left on the French page: {left}"


# --- pages in French ---------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_french(client):
    body = _page(client, reverse("accounts:login"), **FR)
    assert 'lang="fr"' in body
    assert "Se connecter" in body
    assert "Mot de passe" in body and "Code de double authentification" in body
    assert "Les comptes sont créés uniquement sur invitation." in body
    assert "évaluation nationale des risques et de la résilience face aux atrocités" in body
    _absent(body, "Log in", "Accounts are created by invitation only", "Two-factor code",
            "national assessment of risk and resilience", "Change language")


@pytest.mark.django_db
def test_english_stays_the_default(client):
    body = _page(client, reverse("accounts:login"))
    assert 'lang="en"' in body and "Log in" in body and "Se connecter" not in body


def test_assessment_list_and_detail_in_french(client, world):
    client.force_login(world.users["focal"])
    body = _page(client, reverse("assessments:home"), **FR)
    assert "Nouvelle évaluation" in body and "Importer un fichier" in body
    assert "<th>Pays</th>" in body and "Statut" in body
    assert "Liste de surveillance" in body and "Journal d’audit" not in body  # not an admin
    _absent(body, "New assessment", "Import a file", "<th>Country</th>", "Log out")

    body = _page(client, reverse("assessments:detail", args=[world.ken.pk]), **FR)
    for french in ("Vue d’ensemble", "Notes et éléments de preuve", "Lacunes", "Membres",
                   "Risque global", "Divergence : gouvernement et société civile",
                   "Éléments déclencheurs observés", "Progression par évaluateur",
                   "Téléchargements", "Rapport (PDF)"):
        assert french in body, french
    _absent(body, "Overview", "Ratings &amp; evidence", "Overall risk", "Downloads",
            "Progress per assessor", "Triggers observed", "Divergence: government")


def test_rating_page_in_french(client, world):
    client.force_login(world.users["assessor"])
    body = _page(client, reverse("assessments:rate", args=[world.ken.pk]), **FR)
    assert "Enregistrer la notation" in body and "Ajouter un élément de preuve" in body
    assert "Commentaire" in body and "Niveau" in body
    _absent(body, "Save rating", "Add evidence", "You rate as")


def test_audit_log_in_french(client, world):
    client.force_login(world.users["admin"])
    body = _page(client, reverse("audit:log"), **FR)
    for french in ("Journal d’audit", "Quand (UTC)", "Exporter en CSV", "toute action",
                   "Filtrer"):
        assert french in body, french
    _absent(body, "Audit log", "When (UTC)", "Export CSV", "any action", ">Who<")


def test_language_switch_sets_the_language(client, world):
    body = _page(client, reverse("accounts:login"))
    assert 'action="/i18n/setlang/"' in body and 'name="language"' in body
    resp = client.post(reverse("set_language"), {"language": "fr", "next": "/accounts/login/"})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/"
    # The cookie now chooses French, whatever the browser asks for.
    assert "Se connecter" in _page(client, reverse("accounts:login"),
                                   HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in" in _page(client, reverse("accounts:login"))


def test_python_strings_follow_the_language(client, world):
    from django.utils import translation

    from tocsin.web.accounts.forms import LoginForm
    from tocsin.web.alerts.models import SEVERITIES, STATUSES
    from tocsin.web.audit.models import ACTIONS
    from tocsin.web.shell.labels import label

    with translation.override("fr"):
        assert str(LoginForm(None).fields["otp_token"].label) == "Code de double authentification"
        assert str(STATUSES["escalated"]) == "Remontée"
        assert str(SEVERITIES["critical"]) == "Critique"
        assert str(ACTIONS["login_failed"]) == "Échec de connexion"
        assert str(label("very-high", "risk")) == "très élevé"
        assert str(label("high", "confidence")) == "élevée"
    with translation.override("en"):
        assert str(label("very-high", "risk")) == "very high"
        assert str(label("civil-society")) == "civil society"


# --- templates: no visible text outside translation tags -----------------------------------

# Words that are the same in every language: the product's name and acronyms.
ALLOWED_WORDS = {"Tocsin", "API", "ISO3", "UTC", "HTML", "PDF", "YAML", "CSV"}
VISIBLE_ATTRS = re.compile(r"""\b(placeholder|title|aria-label|alt)\s*=\s*("[^"]*"|'[^']*')""",
                           re.I)
# A string literal shown as a fallback ({{ x|default:"unknown" }}) is visible text too.
FILTER_LITERAL = re.compile(r"""\|\s*default(?:_if_none)?\s*:\s*("[^"]*"|'[^']*')""")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_][\w’'-]*", text)
            if len(w) > 1 and w not in ALLOWED_WORDS]


def untranslated(source: str) -> list[str]:
    """Visible words of a template that no translation tag covers."""
    text = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", text, flags=re.S)
    text = re.sub(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}",
                  " ", text, flags=re.S)
    found = []
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text, flags=re.S):
        for literal in FILTER_LITERAL.findall(tag):
            found += _words(literal)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.S | re.I)
    for _name, value in VISIBLE_ATTRS.findall(text):
        found += _words(value[1:-1])
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&#?\w+;", " ", text)
    text = re.sub(r"(?<!\S)(?:/|https?://)\S*", " ", text)  # a path or address, as it is
    return found + _words(text)


def test_the_scanner_finds_plain_text():
    assert untranslated("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated('<input placeholder="your name">') == ["your", "name"]
    assert untranslated('{{ x|default:"unknown" }}') == ["unknown"]
    assert untranslated('{% load i18n %}<p title="{% translate "Hi" %}">'
                        "{% translate 'Hello' %} {% blocktranslate with n=1 %}{{ n }} day"
                        "{% endblocktranslate %} Tocsin · v{{ v }}</p>") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(WEB)))
def test_template_text_is_translatable(template):
    source = template.read_text(encoding="utf-8")
    left = untranslated(source)
    assert not left, f"not marked for translation: {left}"
    if re.search(r"\{%\s*(trans|translate|blocktrans|blocktranslate)\b", source):
        assert re.search(r"\{%\s*load\b[^%]*\bi18n\b", source), "uses i18n tags without loading"


def test_every_template_is_scanned():
    apps = {p.relative_to(WEB).parts[0] for p in TEMPLATES}
    assert set(APPS) <= apps


# --- catalogues: complete and compiled ---------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags."""
    entries, cur, key = [], None, None

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):  # obsolete entries are not in the catalogue
            continue
        if line.startswith("#"):
            if cur is not None and "msgid" in cur:
                flush()
                cur = None
            if cur is None:
                cur = {"flags": set(), "msgstr": []}
            if line.startswith("#,"):
                cur["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        m = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if m:
            word, value = m.group(1), _unquote(m.group(2))
            if word in ("msgctxt", "msgid") and cur is not None and "msgid" in cur:
                flush()
                cur = None
            if cur is None:
                cur = {"flags": set(), "msgstr": []}
            if word.startswith("msgstr"):
                cur["msgstr"].append(value)
                key = ("msgstr", len(cur["msgstr"]) - 1)
            else:
                cur[word] = value
                key = word
            continue
        assert line.startswith('"'), f"{path}: cannot read {raw!r}"
        if isinstance(key, tuple):
            cur["msgstr"][key[1]] += _unquote(line)
        else:
            cur[key] += _unquote(line)
    flush()
    return entries


def test_catalogues_exist_for_every_app():
    apps = {p.relative_to(WEB).parts[0] for p in PO_FILES}
    assert set(APPS) <= apps
    for po in PO_FILES:
        assert po.with_suffix(".mo").exists(), f"{po} is not compiled"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(WEB)))
def test_catalogue_is_complete(po):
    entries = [e for e in parse_po(po) if e["msgid"]]
    assert entries
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not all(e["msgstr"]) or not e["msgstr"]]
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not empty, f"not translated: {empty}"
    for e in entries:  # the placeholders survive translation
        if "python-format" in e["flags"]:
            wanted = set(re.findall(r"%\(\w+\)", e["msgid"] + e.get("msgid_plural", "")))
            for s in e["msgstr"]:
                assert set(re.findall(r"%\(\w+\)", s)) <= wanted, (e["msgid"], s)
                assert wanted <= set(re.findall(r"%\(\w+\)", s)) or "msgid_plural" in e, \
                    (e["msgid"], s)


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(WEB)))
def test_compiled_catalogue_matches_its_source(po):
    with po.with_suffix(".mo").open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)
    catalog.pop("", None)  # the header
    expected = {}
    for e in parse_po(po):
        if not e["msgid"]:
            continue
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for i, s in enumerate(e["msgstr"]):
                expected[(msgid, i)] = s
        else:
            expected[msgid] = e["msgstr"][0]
    assert catalog == expected, f"{po.with_suffix('.mo')} is out of date: run compilemessages"


def test_watch_pages_in_french(client, watch_world):
    """The watch list, the tracker, the inbox and a country page, in French."""
    client.force_login(watch_world.users["viewer"])
    body = client.get(reverse("countries:watch_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Liste de surveillance" in body and "Prévision" in body
    body = client.get(reverse("tracker:country", args=["KEN"]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "les sept recommandations" in body and "ancien, pas à jour" in body
    body = client.get(reverse("alerts:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Boîte de réception des alertes" in body
    body = client.get(reverse("countries:country", args=["MMR"]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "un classement du risque structurel, pas une prédiction" in body
    # and English stays the default
    assert "Watch list" in client.get(reverse("countries:watch_list")).content.decode()
