"""The site's management commands do what they say (issue 14, item 2)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.web.world import DATA, REPO

FORECASTS = DATA / "forecast-2024.csv"


@pytest.mark.django_db
def test_import_forecast_imports_the_files_it_is_given():
    from tocsin.web.countries.models import Forecast

    out = io.StringIO()
    call_command("import_forecast", str(FORECASTS), model="test", stdout=out)
    rows = sum(1 for line in FORECASTS.read_text().splitlines()[1:] if line.strip())
    assert Forecast.objects.filter(model="test", year=2024).count() == rows == 168
    assert f"{FORECASTS}: 168 forecasts imported" in out.getvalue()


@pytest.mark.django_db
def test_import_forecast_refuses_a_bad_file(tmp_path):
    from tocsin.web.countries.models import Forecast

    bad = tmp_path / "bad.csv"
    bad.write_text("country,year,probability\nKEN,2024,seven\n")
    with pytest.raises(CommandError, match="bad.csv:2") as caught:
        call_command("import_forecast", str(bad))
    assert caught.value.returncode == 2
    assert not Forecast.objects.exists()


@pytest.mark.slow
def test_tocsin_manage_import_forecast_exit_codes(tmp_path):
    """As a user runs it: the file's forecasts in, exit 0; a bad file named, exit 2."""
    env = {**os.environ, "TOCSIN_HOME": str(tmp_path / "home")}
    env.pop("TOCSIN_DATABASE_URL", None)
    tocsin = [sys.executable, "-c", "import sys; from tocsin.cli import entry; sys.exit(entry())"]
    subprocess.run([*tocsin, "manage", "migrate"], env=env, check=True, capture_output=True,
                   cwd=REPO, timeout=300)
    ok = subprocess.run([*tocsin, "manage", "import_forecast", str(FORECASTS)], env=env,
                        capture_output=True, text=True, cwd=REPO, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "168 forecasts imported" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("no,forecast,here\n1,2,3\n")
    refused = subprocess.run([*tocsin, "manage", "import_forecast", str(bad)], env=env,
                             capture_output=True, text=True, cwd=REPO, timeout=300)
    assert refused.returncode == 2
    assert "bad.csv" in refused.stderr and "country,year,probability" in refused.stderr
