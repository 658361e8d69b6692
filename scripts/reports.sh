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
sim=reports/railway/simulation
W=$m/workload.yaml
P=$m/policy-post-incident.yaml
PRE=$m/policy-pre-incident.yaml
findings "$pg" simulate $m/endpoints.yaml --policy $P --workload $m/scenario-two-weeks.yaml --compare $PRE \
    --sweep intent.threshold=0:0.6:0.05 --no-timing --out $sim/two-weeks >/dev/null
findings "$pg" simulate $m/endpoints.yaml --policy $P --workload $W --compare $PRE \
    --sweep intent.threshold=0:0.6:0.05 --no-timing --out $sim/ops >/dev/null
findings "$pg" simulate $m/endpoints.yaml --policy $P --workload $W --sweep budget.max_writes=1:8:1 \
    --no-timing --out $sim/ops-max-writes >/dev/null
findings "$pg" simulate $m/endpoints.yaml --policy $P --workload $W --sweep forbidden.2.within=1:4:1 \
    --no-timing --out $sim/ops-forbidden-within >/dev/null
findings "$pg" simulate $m/endpoints.yaml --policy $P --workload $W --agents 4 --no-timing \
    --out $sim/ops-4-agents >/dev/null
echo "reports written to reports/railway/"
