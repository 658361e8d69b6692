#!/usr/bin/env bash
# Regenerate the shipped reports under reports/railway/ (a test fails when the analyze
# reports are stale). Exit status 1 from a command means "findings", not failure.
set -euo pipefail
cd "$(dirname "$0")/.."
pg=.venv/bin/pathguard
m=models/railway
findings() { "$@" || [[ $? -eq 1 ]]; }
for policy in pre-incident post-incident; do
    findings "$pg" analyze $m/endpoints.yaml --policy "$m/policy-$policy.yaml" \
        --out "reports/railway/$policy" --format text >/dev/null
    findings "$pg" check $m/endpoints.yaml --policy "$m/policy-$policy.yaml" --format markdown \
        > "reports/railway/$policy/check.md"
done
findings "$pg" check $m/endpoints.yaml --policy $m/policy-post-incident.yaml --assume-approvals \
    --format markdown > reports/railway/post-incident/check-assume-approvals.md
findings "$pg" analyze $m/endpoints.yaml --out reports/railway/no-policy --format text >/dev/null
echo "reports written to reports/railway/"
