//! `cargo xtask synth`: yosys `synth_xilinx` resource report of the NTT
//! pipeline for each (WORD_BITS, LANES).
//!
//! Runs `fpga/syn/synth.ys` per configuration (its `chparam` line replaced)
//! in `target/synth/w{W}l{L}/`, then prints a Markdown table of LUTs,
//! flip-flops, DSP48E1 and block RAMs (RAMB36 + RAMB18/2, in 36 Kb units) of
//! the whole design, and the longest combinational path (`ltp -noff`, in
//! cells) of each module, the proxy for the clock period of its pipeline
//! stages.
//!
//! Options: `--log-n-max K` (default 14), `--configs w32l1,w64l4,…`
//! (default: WORD_BITS 32 and 64 × LANES 1, 2, 4, 8, 16).

use crate::tools::{ensure_debian_tools, root};
use std::process::Command;

/// Per-configuration results.
struct Report {
    word: u32,
    lanes: u32,
    luts: u64,
    ffs: u64,
    dsp: u64,
    bram36: f64,
    ltp: Vec<(String, u64)>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut log_n_max = 14u32;
    let mut configs: Vec<(u32, u32)> = [32, 64]
        .iter()
        .flat_map(|&w| [1, 2, 4, 8, 16].map(|l| (w, l)))
        .collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--log-n-max" => {
                log_n_max = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--log-n-max needs a number")?;
            }
            "--configs" => {
                let v = it.next().ok_or("--configs needs a list like w32l4,w64l8")?;
                configs = v.split(',').map(parse_config).collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    ensure_debian_tools(&[("yosys", "yosys")])?;
    let template = std::fs::read_to_string(root().join("fpga/syn/synth.ys"))
        .map_err(|e| format!("fpga/syn/synth.ys: {e}"))?;
    let mut reports = Vec::new();
    for (w, l) in configs {
        eprintln!("==> yosys synth_xilinx WORD_BITS={w} LANES={l} LOG_N_MAX={log_n_max}");
        reports.push(synth_one(&template, w, l, log_n_max)?);
        print_table(&reports, log_n_max);
    }
    Ok(())
}

fn parse_config(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("bad config `{s}` (expected like w32l4)");
    let rest = s.strip_prefix('w').ok_or_else(bad)?;
    let (w, l) = rest.split_once('l').ok_or_else(bad)?;
    Ok((w.parse().map_err(|_| bad())?, l.parse().map_err(|_| bad())?))
}

fn synth_one(template: &str, w: u32, l: u32, log_n_max: u32) -> Result<Report, String> {
    let dir = root().join(format!("target/synth/w{w}l{l}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let rtl = root().join("fpga/rtl");
    let script: String = template
        .lines()
        .map(|line| {
            if line.starts_with("chparam") {
                format!("chparam -set WORD_BITS {w} -set LANES {l} -set LOG_N_MAX {log_n_max} hearth_ntt_top")
            } else {
                line.replace("fpga/rtl", &rtl.display().to_string())
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("synth.ys"), script).map_err(|e| e.to_string())?;
    let status = Command::new("yosys")
        .args(["-q", "-l", "yosys.log", "-s", "synth.ys"])
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("could not run yosys: {e}"))?;
    if !status.success() {
        return Err(format!(
            "yosys failed, see {}",
            dir.join("yosys.log").display()
        ));
    }
    let stat = std::fs::read_to_string(dir.join("syn_stat.txt")).map_err(|e| e.to_string())?;
    let ltp = std::fs::read_to_string(dir.join("syn_ltp.txt")).map_err(|e| e.to_string())?;
    let total = stat
        .split("=== design hierarchy ===")
        .nth(1)
        .ok_or("no design hierarchy in the yosys stat report")?;
    let count = |pred: &dyn Fn(&str) -> bool| -> u64 {
        total
            .lines()
            .filter_map(|line| {
                let mut f = line.split_whitespace();
                let (name, n) = (f.next()?, f.next()?.parse::<u64>().ok()?);
                pred(name).then_some(n)
            })
            .sum()
    };
    let luts = count(&|n| n.starts_with("LUT"));
    let ffs = count(&|n| n.starts_with("FD"));
    let dsp = count(&|n| n.starts_with("DSP48"));
    let r36 = count(&|n| n.starts_with("RAMB36"));
    let r18 = count(&|n| n.starts_with("RAMB18"));
    let ltp = ltp
        .lines()
        .filter_map(|line| {
            // "Longest topological path in <module> (length=N):"
            let rest = line.trim().strip_prefix("Longest topological path in ")?;
            let (module, len) = rest.split_once(" (length=")?;
            let len = len.trim_end_matches("):").parse().ok()?;
            Some((short_name(module), len))
        })
        .collect();
    Ok(Report {
        word: w,
        lanes: l,
        luts,
        ffs,
        dsp,
        bram36: r36 as f64 + r18 as f64 / 2.0,
        ltp,
    })
}

/// `$paramod$…\hearth_modmul\W=…` → `hearth_modmul`.
fn short_name(module: &str) -> String {
    let m = module.trim_start_matches('\\');
    m.split('\\')
        .find(|p| p.starts_with("hearth_"))
        .unwrap_or(m)
        .to_string()
}

fn print_table(reports: &[Report], log_n_max: u32) {
    println!("\n| WORD_BITS | LANES | LUT | FF | DSP48E1 | BRAM36 | ltp (cells) per module |");
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for r in reports {
        let mut ltp: Vec<String> = r.ltp.iter().map(|(m, n)| format!("{m} {n}")).collect();
        ltp.sort();
        ltp.dedup();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.word,
            r.lanes,
            r.luts,
            r.ffs,
            r.dsp,
            r.bram36,
            ltp.join(", ")
        );
    }
    println!("(yosys synth_xilinx, 7-series cells, LOG_N_MAX = {log_n_max})");
}
