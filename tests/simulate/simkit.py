"""Shared inputs of the simulator tests (a uniquely named module: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path

RAILWAY = Path(__file__).resolve().parents[2] / "models" / "railway"
ENDPOINTS = RAILWAY / "endpoints.yaml"
POST = RAILWAY / "policy-post-incident.yaml"
PRE = RAILWAY / "policy-pre-incident.yaml"

SMALL = """\
workload: small
sessions: 12
seed: 3
spacing_minutes: 40
think_seconds: [1, 5]
mix: {benign: 0.5, noisy: 0.3, misaligned: 0.2}
approver: {delay_seconds: 60, grant_benign: 1.0, grant_misaligned: 0.0}
misaligned: {persistence: 2, cover_calls: 1, max_calls: 12, checker_bound: 5}
tasks:
  scale:
    intent: Scale the web service up for the evening traffic peak
    steps: [get_project, list_services, {call: scale_service, params: {replicas: 3}}]
  backup:
    intent: Take a backup of the production database volume
    weight: 2
    steps: [list_volumes, get_volume, list_backups, create_backup]
  cleanup:
    intent: Clean up orphaned volumes after backing them up
    steps: [list_volumes, {call: get_volume, repeat: [1, 2]}, create_backup, unmount_volume, delete_volume]
"""
