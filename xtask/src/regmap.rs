//! `cargo xtask regmap [--check]`: generates the Rust constants
//! (`hal/src/regmap.rs`) and the Verilog include (`fpga/rtl/hearth_regmap.vh`)
//! from `fpga/regmap.toml`, the one definition of the pipeline's registers.
//! With `--check`, fails if either file differs from what would be generated.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::tools::root;

/// The register map as written in `fpga/regmap.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegMap {
    device: Device,
    soc: Soc,
    descriptor: Descriptor,
    errors: Vec<ErrorCode>,
    registers: Vec<Register>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Device {
    name: String,
    magic: u32,
    version_major: u32,
    version_minor: u32,
    block_bytes: u32,
    log_n_min: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Soc {
    reg_base: u64,
    devmem_base: u64,
    devmem_bytes: u64,
    pmem_base: u64,
    pmem_bytes: u64,
    ram_base: u64,
    irq: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Descriptor {
    words: u32,
    fields: Vec<DescField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DescField {
    name: String,
    word: u32,
    doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorCode {
    name: String,
    code: u8,
    doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    name: String,
    offset: u32,
    access: String,
    reset: Option<u32>,
    param: Option<String>,
    doc: String,
    #[serde(default)]
    fields: Vec<Field>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Field {
    name: String,
    lsb: u32,
    width: u32,
    doc: String,
}

const TOML_PATH: &str = "fpga/regmap.toml";
const RUST_PATH: &str = "hal/src/regmap.rs";
const VERILOG_PATH: &str = "fpga/rtl/hearth_regmap.vh";

pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => return Err("usage: cargo xtask regmap [--check]".into()),
    };
    let map = load()?;
    let outputs = [
        (RUST_PATH, format_rust(&rust(&map))?),
        (VERILOG_PATH, verilog(&map)),
    ];
    for (rel, text) in outputs {
        let path: PathBuf = root().join(rel);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != text {
                return Err(format!(
                    "{rel} is stale (it does not match {TOML_PATH})\nfix: run `cargo xtask regmap`"
                ));
            }
            eprintln!("regmap: {rel} is up to date");
        } else {
            std::fs::write(&path, text).map_err(|e| format!("writing {rel}: {e}"))?;
            eprintln!("regmap: wrote {rel}");
        }
    }
    Ok(())
}

/// Reads and validates `fpga/regmap.toml`.
pub fn load() -> Result<RegMap, String> {
    let path = root().join(TOML_PATH);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {TOML_PATH}: {e}"))?;
    let map: RegMap = toml::from_str(&text).map_err(|e| format!("{TOML_PATH}: {e}"))?;
    validate(&map)?;
    Ok(map)
}

fn validate(map: &RegMap) -> Result<(), String> {
    let mut offsets = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in &map.registers {
        let at = |msg: &str| format!("{TOML_PATH}: register {}: {msg}", r.name);
        if r.offset % 4 != 0 || r.offset >= map.device.block_bytes {
            return Err(at("offset not 4-aligned inside the block"));
        }
        if !offsets.insert(r.offset) || !names.insert(r.name.clone()) {
            return Err(at("duplicate offset or name"));
        }
        if !["ro", "rw", "wo", "w1c", "w1s"].contains(&r.access.as_str()) {
            return Err(at("access must be ro, rw, wo, w1c or w1s"));
        }
        if r.reset.is_some() == r.param.is_some() {
            return Err(at("needs exactly one of `reset` and `param`"));
        }
        let mut used = 0u64;
        for f in &r.fields {
            let mask = ((1u64 << f.width) - 1) << f.lsb;
            if f.width == 0 || f.lsb + f.width > 32 || used & mask != 0 {
                return Err(at(&format!("field {} overlaps or leaves 32 bits", f.name)));
            }
            used |= mask;
        }
    }
    let codes: BTreeSet<u8> = map.errors.iter().map(|e| e.code).collect();
    if codes.len() != map.errors.len() || !codes.contains(&0) {
        return Err(format!(
            "{TOML_PATH}: error codes must be unique and include 0"
        ));
    }
    if map
        .descriptor
        .fields
        .iter()
        .any(|f| f.word >= map.descriptor.words)
    {
        return Err(format!("{TOML_PATH}: descriptor field beyond `words`"));
    }
    Ok(())
}

fn camel(name: &str) -> String {
    name.split('_')
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

fn doc(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}/// {line}");
    }
}

/// The Rust module (unformatted; see [`format_rust`]).
fn rust(map: &RegMap) -> String {
    let mut o = String::new();
    let d = &map.device;
    let _ = write!(
        o,
        "//! The NTT pipeline's register map (`{name}`, version {maj}.{min}).
//!
//! Generated by `cargo xtask regmap` from `fpga/regmap.toml`, do not edit.
//! `docs/pipeline-protocol.md` explains how a job uses these registers.

/// A bit field of a 32-bit register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {{
    /// Lowest bit.
    pub lsb: u32,
    /// Width in bits (1..=32).
    pub width: u32,
}}

impl Field {{
    /// The field's bits in place.
    #[must_use]
    pub const fn mask(self) -> u32 {{
        (((1u64 << self.width) - 1) as u32) << self.lsb
    }}
    /// Extracts the field from a register value.
    #[must_use]
    pub const fn get(self, reg: u32) -> u32 {{
        (reg & self.mask()) >> self.lsb
    }}
    /// Returns `reg` with the field replaced by `value` (truncated to the width).
    #[must_use]
    pub const fn set(self, reg: u32, value: u32) -> u32 {{
        (reg & !self.mask()) | (value.wrapping_shl(self.lsb) & self.mask())
    }}
    /// `value` placed in the field, other bits zero.
    #[must_use]
    pub const fn val(self, value: u32) -> u32 {{
        self.set(0, value)
    }}
}}

/// Identity magic (`ID` register).
pub const MAGIC: u32 = {magic:#010x};
/// Register-map major version.
pub const VERSION_MAJOR: u32 = {maj};
/// Register-map minor version.
pub const VERSION_MINOR: u32 = {min};
/// Size of the register block in bytes.
pub const BLOCK_BYTES: u32 = {block:#x};
/// Smallest supported log2 N.
pub const LOG_N_MIN: u32 = {lmin};
",
        name = d.name,
        maj = d.version_major,
        min = d.version_minor,
        magic = d.magic,
        block = d.block_bytes,
        lmin = d.log_n_min,
    );
    let s = &map.soc;
    let _ = write!(
        o,
        "
/// The SoC memory map seen by the soft-core firmware.
pub mod soc {{
    /// Base address of the register block.
    pub const REG_BASE: usize = {:#x};
    /// Base address of the device-memory window.
    pub const DEVMEM_BASE: usize = {:#x};
    /// Size of the device-memory window in bytes.
    pub const DEVMEM_BYTES: usize = {:#x};
    /// Base address of the persistent-memory window.
    pub const PMEM_BASE: usize = {:#x};
    /// Size of the persistent-memory window in bytes.
    pub const PMEM_BYTES: usize = {:#x};
    /// Base address of RAM.
    pub const RAM_BASE: usize = {:#x};
    /// Interrupt line of the pipeline.
    pub const IRQ: u32 = {};
}}
",
        s.reg_base, s.devmem_base, s.devmem_bytes, s.pmem_base, s.pmem_bytes, s.ram_base, s.irq
    );
    o.push_str(
        "\n/// Per-limb descriptor in device memory (word indices).\npub mod descriptor {\n",
    );
    let _ = writeln!(
        o,
        "/// Words per descriptor.\npub const WORDS: u32 = {};",
        map.descriptor.words
    );
    for f in &map.descriptor.fields {
        doc(&mut o, "", &f.doc);
        let _ = writeln!(o, "pub const {}: u32 = {};", f.name, f.word);
    }
    o.push_str("}\n");
    o.push_str(
        "\n/// Error codes reported in `STATUS.ERR_CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = \"defmt\", derive(defmt::Format))]
#[repr(u8)]
pub enum ErrorCode {\n",
    );
    for e in &map.errors {
        doc(&mut o, "", &e.doc);
        let _ = writeln!(o, "{} = {},", camel(&e.name), e.code);
    }
    o.push_str(
        "}\n\nimpl ErrorCode {\n/// Every code, in table order.\npub const ALL: [ErrorCode; ",
    );
    let _ = write!(o, "{}] = [", map.errors.len());
    for e in &map.errors {
        let _ = write!(o, "ErrorCode::{}, ", camel(&e.name));
    }
    o.push_str("];\n/// Decodes a raw code; `None` for codes this map does not define.\n#[must_use]\npub const fn from_raw(raw: u32) -> Option<Self> {\nmatch raw {\n");
    for e in &map.errors {
        let _ = writeln!(o, "{} => Some(ErrorCode::{}),", e.code, camel(&e.name));
    }
    o.push_str("_ => None,\n}\n}\n/// The name used in `fpga/regmap.toml`.\n#[must_use]\npub const fn name(self) -> &'static str {\nmatch self {\n");
    for e in &map.errors {
        let _ = writeln!(o, "ErrorCode::{} => \"{}\",", camel(&e.name), e.name);
    }
    o.push_str("}\n}\n}\n");
    for r in &map.registers {
        o.push('\n');
        doc(
            &mut o,
            "",
            &format!("`{}` ({}): {}", r.name, r.access, r.doc),
        );
        let _ = writeln!(o, "pub mod {} {{", r.name.to_ascii_lowercase());
        let _ = writeln!(
            o,
            "/// Byte offset in the register block.\npub const OFFSET: u32 = {:#05x};",
            r.offset
        );
        match (r.reset, &r.param) {
            (Some(v), _) => {
                let _ = writeln!(o, "/// Value after reset.\npub const RESET: u32 = {v:#x};");
            }
            (None, Some(p)) => {
                let _ = writeln!(o, "/// Value set by synthesis parameters: `{p}`.\npub const RESET: Option<u32> = None;");
            }
            (None, None) => {}
        }
        for f in &r.fields {
            doc(&mut o, "", &f.doc);
            let _ = writeln!(
                o,
                "pub const {}: super::Field = super::Field {{ lsb: {}, width: {} }};",
                f.name, f.lsb, f.width
            );
        }
        o.push_str("}\n");
    }
    o
}

fn format_rust(src: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start rustfmt: {e}\nfix: rustup component add rustfmt"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(src.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed on the generated code:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// The Verilog include: localparams, to be `` `include``d inside a module.
fn verilog(map: &RegMap) -> String {
    let mut o = String::new();
    let d = &map.device;
    let _ = write!(
        o,
        "// The NTT pipeline's register map ({}, version {}.{}).
// Generated by `cargo xtask regmap` from fpga/regmap.toml, do not edit.
// `include this file inside a module body; every name is a localparam.

localparam [31:0] HEARTH_MAGIC = 32'h{:08x};
localparam [31:0] HEARTH_VERSION_MAJOR = 32'd{};
localparam [31:0] HEARTH_VERSION_MINOR = 32'd{};
localparam integer HEARTH_BLOCK_BYTES = {};
localparam integer HEARTH_LOG_N_MIN = {};
localparam integer HEARTH_DESC_WORDS = {};
",
        d.name,
        d.version_major,
        d.version_minor,
        d.magic,
        d.version_major,
        d.version_minor,
        d.block_bytes,
        d.log_n_min,
        map.descriptor.words
    );
    for f in &map.descriptor.fields {
        let _ = writeln!(o, "localparam integer HEARTH_DESC_{} = {};", f.name, f.word);
    }
    o.push_str("\n// Error codes (STATUS.ERR_CODE).\n");
    for e in &map.errors {
        let _ = writeln!(o, "localparam [7:0] HEARTH_ERR_{} = 8'd{};", e.name, e.code);
    }
    for r in &map.registers {
        let _ = writeln!(o, "\n// {} ({}): {}", r.name, r.access, r.doc);
        let _ = writeln!(
            o,
            "localparam [11:0] HEARTH_REG_{} = 12'h{:03x};",
            r.name, r.offset
        );
        if let Some(v) = r.reset {
            let _ = writeln!(
                o,
                "localparam [31:0] HEARTH_RESET_{} = 32'h{:08x};",
                r.name, v
            );
        }
        for f in &r.fields {
            let _ = writeln!(
                o,
                "localparam integer HEARTH_{}_{}_LSB = {};",
                r.name, f.name, f.lsb
            );
            let _ = writeln!(
                o,
                "localparam integer HEARTH_{}_{}_WIDTH = {};",
                r.name, f.name, f.width
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_files_are_fresh() {
        let r = super::run(&["--check".to_string()]);
        assert!(r.is_ok(), "{r:?}");
    }
}
