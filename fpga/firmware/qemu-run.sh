#!/bin/sh
# Cargo runner for the firmware: runs the ELF (either image) under
# qemu-system-riscv32 (virt machine with 128 MiB of DRAM, no BIOS,
# semihosting, one instruction per virtual ns) with a time-out, decodes its
# defmt output with defmt-print, and exits with the firmware's status.
set -u
elf="$1"
raw="$elf.defmt"
timeout 300 qemu-system-riscv32 -machine virt -m 128M -bios none -display none \
    -serial none -monitor none -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$elf" >"$raw"
status=$?
defmt-print -e "$elf" stdin <"$raw" || exit 1
exit "$status"
