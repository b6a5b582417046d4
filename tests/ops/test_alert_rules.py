"""``ops/prometheus-alerts.yml``: valid YAML in Prometheus' rule-file shape, and every Rapport
metric an alert reads is one /metrics/ serves."""

import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from ruamel.yaml import YAML

from ops.metrics import exposition

RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus-alerts.yml"


def rules() -> list[dict]:
    document = YAML(typ="safe").load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alert_rules_have_the_shape_prometheus_loads():
    document = YAML(typ="safe").load(RULES.read_text())
    assert {group["name"] for group in document["groups"]} == {"rapport"}
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["alert"] and rule["expr"] and rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["expr"].count("(") == rule["expr"].count(")")


def test_the_waiting_reminder_alert_fires_after_ten_minutes():
    waiting = next(rule for rule in rules() if rule["alert"] == "RapportReminderWaiting")
    assert "rapport_notification_oldest_due_seconds" in waiting["expr"]
    assert waiting["expr"].strip().endswith("> 600")


def test_every_metric_the_alerts_read_is_served(client, db):
    client.get("/healthz/")  # the latency histogram has samples once a request was answered
    served = {
        sample.name
        for family in text_string_to_metric_families(exposition().decode())
        for sample in family.samples
    }
    # A tick has not run in this database; its two gauges appear once it has.
    served |= {"rapport_tick_last_finished_age_seconds", "rapport_tick_duration_seconds"}
    read = {name for rule in rules() for name in re.findall(r"\brapport_[a-z_]+", rule["expr"])}

    assert read - served == set()
