"""`make cluster` runs the periodic jobs (reminders, staff reminders) as the compose scheduler and the Helm
CronJobs do: each when due, the first at once, never a second copy of one still running."""

from __future__ import annotations

from tools import local_cluster
from tools.servers import child_env


def test_make_cluster_runs_each_periodic_job_when_due_and_never_two_at_once(tmp_path) -> None:
    now = [0.0]
    jobs = (local_cluster.Job("reminders-send", ("reminders", "send"), 15),
            local_cluster.Job("handoffs-remind", ("handoffs", "remind"), 60))
    env = child_env({"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'h.db'}",
                     "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path / 'k.db'}", "SMTP_URL": "", "HANDOFF_SLACK_CHANNEL": ""})
    periodic = local_cluster.Periodic(jobs, env, tmp_path, clock=lambda: now[0])
    try:
        assert periodic.tick() == ["reminders-send", "handoffs-remind"]  # at start
        assert periodic.tick() == []
        for process in periodic.running.values():
            process.wait(timeout=120)
        now[0] = 15 * 60
        assert periodic.tick() == ["reminders-send"]
        periodic.running["reminders-send"].wait(timeout=120)
        now[0] = 60 * 60
        assert periodic.tick() == ["reminders-send", "handoffs-remind"]
        for process in periodic.running.values():
            process.wait(timeout=120)
    finally:
        periodic.stop()
    # No email or staff channel configured here: each run says so in its log instead of failing silently.
    assert "Email is not configured" in (tmp_path / "reminders-send.log").read_text()
    assert "HANDOFF_SLACK_CHANNEL" in (tmp_path / "handoffs-remind.log").read_text()


def test_a_job_still_running_is_not_started_again(tmp_path) -> None:
    now = [0.0]
    periodic = local_cluster.Periodic((local_cluster.Job("slow", ("reminders", "send"), 1),), child_env(), tmp_path,
                                      clock=lambda: now[0])

    class Running:
        def poll(self):
            return None

    periodic.running["slow"] = Running()  # type: ignore[assignment]
    assert periodic.tick() == []
    periodic.running.clear()
