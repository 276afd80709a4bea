#!/usr/bin/env bash
# Regenerates the TypeScript types of proto/*.proto into src/gen (committed).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/gen
npx proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js --outDir=src/gen proto/*.proto
