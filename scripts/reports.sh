#!/usr/bin/env bash
# Regenerate the shipped reports under reports/railway/ (a test fails when they are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
pg=.venv/bin/pathguard
for policy in pre-incident post-incident; do
    "$pg" analyze models/railway/endpoints.yaml --policy "models/railway/policy-$policy.yaml" \
        --out "reports/railway/$policy" --format text >/dev/null || [[ $? -eq 1 ]]
done
"$pg" analyze models/railway/endpoints.yaml --out reports/railway/no-policy --format text >/dev/null || [[ $? -eq 1 ]]
echo "reports written to reports/railway/"
