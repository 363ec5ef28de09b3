"""docker-compose.yml (not run here: no Docker daemon) keeps the settings `make cluster` runs and tests; the
images hold the runtime only."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.database import ALEMBIC_INI
from tests.conftest import IN_CI
from tools import local_cluster

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LOCAL = local_cluster.environment(local_cluster.Layout(), token="secret")

# Settings both must give the same value (addresses and passwords differ by nature).
# (The users differ too: compose has a role per database, the local cluster the machine's trust-auth postgres.)
SHARED = ("TICKET_LOCK_LIFETIME", "SANIC_WORKERS", "REDIS_DB", "REDIS_PORT", "TRACKER_DB_PORT", "TRACKER_DB_NAME")


def variables(path: Path) -> set[str]:
    lines = (line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", "\n".join(lines)))


@pytest.mark.parametrize("service", ["rasa1", "rasa2"])
def test_every_variable_of_the_endpoints_file_is_set_in_both(service):
    needed = variables(DEPLOY / "endpoints.yml")
    assert needed <= set(SERVICES[service]["environment"])
    assert needed <= set(LOCAL)


def test_every_variable_of_the_haproxy_file_is_set_in_both():
    needed = variables(DEPLOY / "haproxy.cfg")
    assert needed == {"RASA_BIND", "RASA_TLS_BIND", "TLS_CERT", "RASA_1", "RASA_2", "ACTIONS_BIND", "ACTIONS_1",
                      "ACTIONS_2", "HAPROXY_STATS_BIND", "STUDENT_RATE_LIMIT"}
    assert needed <= set(SERVICES["haproxy"]["environment"])
    assert needed <= set(LOCAL)


@pytest.mark.parametrize("name", SHARED)
def test_compose_and_the_local_cluster_agree(name):
    assert str(SERVICES["rasa1"]["environment"][name]) == LOCAL[name]


def test_both_use_the_production_files():
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in SERVICES["haproxy"]["volumes"]
    rasa_image = (DEPLOY / "Dockerfile.rasa").read_text()
    assert "FROM rasa/rasa:3.6.21" in rasa_image and '"deploy/endpoints.yml"' in rasa_image
    assert "FROM rasa/rasa-sdk:3.6" in (DEPLOY / "Dockerfile.actions").read_text()
    plan = local_cluster.plan(Path("m.tar.gz"), local_cluster.Layout(), LOCAL, Path())
    commands = {tuple(m.command) for m in plan.members.values()}
    assert any(str(DEPLOY / "endpoints.yml") in c for c in commands)
    assert any(str(DEPLOY / "haproxy.cfg") in c for c in commands)


def test_students_reach_haproxy_over_https_and_plain_http_only_on_loopback():
    haproxy = SERVICES["haproxy"]
    assert "5443:5443" in haproxy["ports"] and all(p.startswith("127.0.0.1:") for p in haproxy["ports"]
                                                   if not p.startswith("5443"))
    assert haproxy["environment"]["TLS_CERT"] in " ".join(haproxy["volumes"])
    assert SERVICES["rasa1"]["environment"]["PUBLIC_BASE_URL"].startswith("${PUBLIC_BASE_URL:-https://")


def test_two_replicas_of_each_server_and_migrations_before_them():
    assert {"rasa1", "rasa2", "actions1", "actions2", "haproxy", "postgres", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["migrate"]["entrypoint"][-2:] == ["db", "upgrade"]
    for server in ("rasa1", "rasa2", "actions1", "actions2"):
        assert SERVICES[server]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_databases_are_the_clusters():
    created = set(re.findall(r"CREATE DATABASE (\w+);", (DEPLOY / "postgres-init.sql").read_text()))
    assert created == set(local_cluster.DATABASES.values())
    urls = SERVICES["actions1"]["environment"]
    assert urls["KNOWLEDGE_DB_URL"].endswith("/" + local_cluster.DATABASES["knowledge"])
    assert urls["HANDOFF_DB_URL"].endswith("/" + local_cluster.DATABASES["handoffs"])


def _closure(distribution: str) -> set[str]:
    """A distribution and everything it requires (ignoring extras), names normalised."""
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r]
    return seen


def test_the_action_image_installs_what_the_action_server_imports():
    # What the interpreter loads before any import (.pth files of the venv) is not the action server's.
    script = ("import json, sys, pkgutil, importlib\nbefore = set(sys.modules)\nimport actions, bot.action_server\n"
              "[importlib.import_module(m.name) for m in pkgutil.walk_packages(actions.__path__, 'actions.')]\n"
              "from bot.knowledge import store; from bot.handoffs import tickets\n"
              "print(json.dumps(sorted({n.split('.')[0] for n in set(sys.modules) - before})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True,
                                       text=True, check=True).stdout)
    by_module = metadata.packages_distributions()
    used = {re.sub(r"[-_.]+", "-", d).lower() for m in loaded if m not in sys.stdlib_module_names
            for d in by_module.get(m, [])}
    listed = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
              for line in (DEPLOY / "requirements-actions.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    provided = _closure("rasa-sdk") | {d for name in listed for d in _closure(name)}
    assert used - provided == set()
    assert "rasa" not in used and "tensorflow" not in used  # the action image stays small


# What only developers and operators run, or what only builds and tests the assistant.
DEVELOPER_ONLY = ("tools", "bench", "tests", "data", "docs", ".ci", "Makefile", "README.md", "CHANGELOG.md",
                  "requirements-dev.txt", "requirements-load.txt", "results", "var")


def copied(dockerfile: Path) -> list[Path]:
    """The sources of every COPY of a Dockerfile (from the build context)."""
    sources = []
    for line in dockerfile.read_text().replace("\\\n", " ").splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            sources += [Path(w) for w in words[1:-1] if not w.startswith("--")]
    return sources


@pytest.mark.parametrize("dockerfile", ["Dockerfile.rasa", "Dockerfile.actions"])
def test_the_images_copy_nothing_developer_only(dockerfile) -> None:
    sources = copied(DEPLOY / dockerfile)
    assert Path("bot") in sources
    assert ALEMBIC_INI.relative_to(PROJECT_ROOT) in sources  # the stores migrate their database when they open
    for source in sources:
        generated = source.parts[0] in ("build", "models")  # made by make build train before docker build
        assert generated or (PROJECT_ROOT / source).exists(), f"{source} is not in the tree"
        clashes = [d for d in DEVELOPER_ONLY if Path(d).is_relative_to(source) or source.is_relative_to(d)]
        assert clashes == [], f"{dockerfile} copies {source}, which holds {clashes}"


def test_the_rasa_image_has_no_actions() -> None:
    # The Rasa server calls the action server over HTTP; it never imports the actions.
    assert Path("actions") not in copied(DEPLOY / "Dockerfile.rasa")


def imported_roots(path: Path) -> set[str]:
    """The top-level names a module imports."""
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
              and node.level == 0}
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("package", ["bot", "actions"])
def test_the_runtime_imports_no_developer_tooling(package) -> None:
    offenders = {str(path.relative_to(PROJECT_ROOT)): sorted(imported_roots(path) & {"tools", "bench", "tests"})
                 for path in sorted((PROJECT_ROOT / package).rglob("*.py"))}
    assert {path: names for path, names in offenders.items() if names} == {}


HELM_RASA = yaml.safe_load((DEPLOY / "helm" / "rasa-values.yaml").read_text())
HELM_ACTIONS = yaml.safe_load((DEPLOY / "helm" / "action-server-values.yaml").read_text())
CHART_PROVIDES = {"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"}  # the rasa chart sets these when lockStore is on


def test_the_helm_values_run_the_same_endpoints_with_two_replicas_each():
    env = {e["name"]: e.get("value") for e in HELM_RASA["extraEnv"]}
    assert variables(DEPLOY / "endpoints.yml") <= set(env) | CHART_PROVIDES
    assert "deploy/endpoints.yml" in HELM_RASA["args"]
    assert HELM_RASA["applicationSettings"]["endpoints"]["lockStore"]["enabled"] is True
    assert (HELM_RASA["applicationSettings"]["endpoints"]["trackerStore"]["type"]
            == yaml.safe_load((DEPLOY / "endpoints.yml").read_text())["tracker_store"]["type"])
    for name in ("TICKET_LOCK_LIFETIME", "SANIC_WORKERS", "REDIS_DB", "TRACKER_DB_NAME"):
        assert env[name] == LOCAL[name]
    assert HELM_RASA["replicaCount"] == HELM_ACTIONS["replicaCount"] == 2
    assert HELM_RASA["readinessProbe"]["httpGet"]["path"] == "/"
    assert HELM_ACTIONS["readinessProbe"]["httpGet"]["path"] == "/health"
    assert HELM_ACTIONS["initContainers"][0]["command"][-2:] == ["db", "upgrade"]


def test_haproxy_accepts_the_file_and_logs_no_query_string(tmp_path):
    config = (DEPLOY / "haproxy.cfg").read_text()
    log_format = next(line for line in config.splitlines() if line.strip().startswith("log-format"))
    fields = {name for _, name in re.findall(r"%(\{[^}]*\})?([A-Za-z]+)", log_format)}
    assert "HP" in fields and not fields & {"r", "HU", "HQ"}, "the action calls' secret is in the query string"
    if shutil.which("haproxy") is None:
        message = "HAProxy is not installed (make haproxy)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    certificate = local_cluster.self_signed_certificate(tmp_path / "assistant.pem")
    check = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")],
                           env={**LOCAL, "TLS_CERT": str(certificate)}, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_retention_purge_is_scheduled_in_compose_and_kubernetes():
    purge = SERVICES["purge"]
    assert purge["image"] == SERVICES["rasa1"]["image"], "the Rasa image reads the endpoints file as Rasa does"
    assert "python -m bot privacy purge --endpoints deploy/endpoints.yml" in purge["entrypoint"][-1]
    assert "sleep 86400" in purge["entrypoint"][-1]
    assert variables(DEPLOY / "endpoints.yml") <= set(purge["environment"]), "every ${VARIABLE} is set"
    assert "HANDOFF_DB_URL" in purge["environment"]
    job = yaml.safe_load((DEPLOY / "helm" / "purge-cronjob.yaml").read_text())
    assert job["kind"] == "CronJob" and job["spec"]["schedule"] == "15 3 * * *"
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "bot", "privacy", "purge", "--endpoints", "deploy/endpoints.yml"]
    assert variables(DEPLOY / "endpoints.yml") | {"HANDOFF_DB_URL"} <= {e["name"] for e in container["env"]}


def test_no_service_connects_as_the_superuser_and_rasa_reads_knowledge_read_only():
    for name, service in SERVICES.items():
        environment = service.get("environment", {})
        urls = [str(v) for k, v in environment.items() if k.endswith("_URL") and "postgresql" in str(v)]
        assert not any("//postgres:" in url for url in urls), name
        assert environment.get("TRACKER_DB_USER", "ischool_tracker") == "ischool_tracker", name
    for rasa in ("rasa1", "rasa2"):
        # The ticket database, as its own role: staff answers arrive through the Slack channel (issue 24).
        assert SERVICES[rasa]["environment"]["HANDOFF_DB_URL"].startswith("postgresql://ischool_handoffs:")
        assert SERVICES[rasa]["environment"]["KNOWLEDGE_DB_URL"].startswith("postgresql://ischool_reader:")
    roles = (DEPLOY / "postgres-roles.sh").read_text()
    for database in local_cluster.DATABASES.values():
        assert f"ALTER DATABASE {database} OWNER TO {database}" in roles
    assert "REVOKE ALL ON DATABASE" in roles


def test_redis_requires_a_password():
    assert "--requirepass" in SERVICES["redis"]["command"]
    assert SERVICES["rasa1"]["environment"]["REDIS_PASSWORD"] == "${REDIS_PASSWORD:?set REDIS_PASSWORD}"


HELM_JOBS = yaml.safe_load((DEPLOY / "helm" / "scheduled-jobs-values.yaml").read_text())["jobs"]
EMAIL = {"SMTP_URL", "EMAIL_FROM", "EMAIL_REPLY_TO"}


def cron(minutes: int) -> str:
    return "0 * * * *" if minutes == 60 else f"*/{minutes} * * * *"


@pytest.mark.parametrize("job", local_cluster.JOBS, ids=lambda j: j.name)
def test_the_periodic_jobs_are_the_same_in_compose_helm_and_the_local_cluster(job):
    loop = SERVICES["scheduler"]["command"][0]
    assert f"python -m bot {' '.join(job.args)}" in loop
    step = int(re.search(r"sleep (\d+)", loop).group(1))
    every = 1 if job.minutes * 60 == step else int(re.search(
        rf"\$\$\(\(n % (\d+)\)\)[^\n]*bot {' '.join(job.args)}", loop).group(1))
    assert step * every == job.minutes * 60
    [helm] = [j for j in HELM_JOBS if j["name"] == job.name]
    assert [*helm["command"], *helm["args"]] == ["python", "-m", "bot", *job.args]
    assert helm["schedule"] == cron(job.minutes)
    assert helm["image"]["repository"] == HELM_ACTIONS["image"]["repository"]
    assert {"KNOWLEDGE_DB_URL", "HANDOFF_DB_URL"} <= {e["name"] for e in helm["env"]}
    bot_command = tuple(job.args[:2])
    assert bot_command in {("reminders", "send"), ("handoffs", "remind")}


def test_the_email_settings_reach_every_process_that_sends_email():
    for service in ("rasa1", "actions1", "scheduler"):
        assert EMAIL <= set(SERVICES[service]["environment"])
    for values in (HELM_RASA, HELM_ACTIONS, next(j for j in HELM_JOBS if j["name"] == "reminders-send")):
        assert EMAIL <= {e["name"] for e in values.get("extraEnv", values.get("env", []))}
    assert SERVICES["scheduler"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
