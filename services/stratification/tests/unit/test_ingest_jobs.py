"""Job views: a load whose process died is shown as interrupted, not running for ever."""

from datetime import UTC, datetime, timedelta

from stratification.service_layer.ingest_jobs import STALE_AFTER, job_view

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_running_job_nobody_has_touched_for_a_minute_is_interrupted():
    row = {"id": "j", "state": "loading", "updated_at": NOW - STALE_AFTER - timedelta(seconds=1)}
    assert job_view(row, now=NOW)["state"] == "interrupted"
    assert "send it again" in job_view(row, now=NOW)["detail"]


def test_a_running_job_still_being_written_and_a_finished_one_keep_their_state():
    fresh = {"id": "j", "state": "loading", "updated_at": NOW - timedelta(seconds=2)}
    old_done = {"id": "k", "state": "completed", "updated_at": NOW - timedelta(days=30)}
    assert job_view(fresh, now=NOW)["state"] == "loading"
    assert job_view(old_done, now=NOW)["state"] == "completed"
