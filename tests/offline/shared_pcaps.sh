#!/usr/bin/env bash
# Every capture in ../shared/pcaps against its tshark ground truth (see shared_pcaps.py).
exec python3 "$(dirname "$0")/shared_pcaps.py"
