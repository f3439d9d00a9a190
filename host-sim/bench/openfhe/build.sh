#!/usr/bin/env bash
# Builds the OpenFHE bootstrapping peer of `hearth bench --bootstrap --openfhe`:
# OpenFHE 1.5.1 (commit ed361af2 of openfheorg/openfhe-development, its
# third-party/cereal submodule from openfheorg/cereal) in Release with
# OpenMP and -march=native, installed under host-sim/bench/openfhe/.build,
# then boot.cpp against it. About 6 minutes on 2 cores.
#
#   host-sim/bench/openfhe/build.sh
#   LD_LIBRARY_PATH=host-sim/bench/openfhe/.build/install/lib \
#     cargo run --release -p hearth-sim -- bench --bootstrap --preset n16-full \
#     --mem-budget 1536 --openfhe host-sim/bench/openfhe/.build/boot/boot
#
# Needs git, cmake and g++ (Debian: apt-get install -y git cmake g++).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/.build"
src="$out/openfhe-development"
commit=ed361af22049007db2107e7c69bcff209e8c420d
mkdir -p "$out"
if [ ! -d "$src/.git" ]; then
    git clone --quiet https://github.com/openfheorg/openfhe-development "$src"
fi
git -C "$src" checkout --quiet "$commit"
git -C "$src" submodule update --init --quiet third-party/cereal
cmake -S "$src" -B "$out/openfhe" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_UNITTESTS=OFF -DBUILD_BENCHMARKS=OFF -DBUILD_EXAMPLES=OFF \
    -DGIT_SUBMOD_AUTO=OFF -DWITH_OPENMP=ON -DWITH_NATIVEOPT=ON \
    -DCMAKE_INSTALL_PREFIX="$out/install" >/dev/null
make -C "$out/openfhe" -j"$(nproc)" >/dev/null
make -C "$out/openfhe" install >/dev/null
cmake -S "$here" -B "$out/boot" -DCMAKE_BUILD_TYPE=Release \
    -DOpenFHE_DIR="$out/install/lib/OpenFHE" >/dev/null
cmake --build "$out/boot" >/dev/null
echo "$out/boot/boot (LD_LIBRARY_PATH=$out/install/lib)"
