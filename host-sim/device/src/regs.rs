//! The register file of the model and its side effects.

use super::exec::{self, Job, LimbParams, Limits, Refusal};
use super::memory::Memory;
use super::{Activity, Fault, Params};
use hearth_hal::pipeline::cycles::{self, job_cycles, refused_cycles, JobShape};
use hearth_hal::regmap::{self as r, ErrorCode};

/// The device state behind a `SimDevice`.
#[derive(Debug)]
pub(super) struct Model {
    pub params: Params,
    pub mem: Memory,
    pub fault: Option<(Fault, u32)>,
    pub activity: Activity,
    /// Read/write registers by word index.
    rw: Vec<u32>,
    status: u32,
    irq_status: u32,
    /// Remaining busy polls, `None` when idle or hung.
    pending: Option<Pending>,
    cycles: u64,
    busy_cycles: u64,
    latched_cycles_hi: u32,
    latched_busy_hi: u32,
    jobs_done: u32,
    jobs_failed: u32,
}

#[derive(Debug)]
struct Pending {
    polls_left: u32,
    hang: bool,
    job: Job,
    limbs: Vec<LimbParams>,
    fault: Option<Fault>,
}

const RW: [u32; 16] = [
    r::scratch::OFFSET,
    r::irq_enable::OFFSET,
    r::job_cfg::OFFSET,
    r::batch_count::OFFSET,
    r::batch_stride::OFFSET,
    r::src_addr::OFFSET,
    r::dst_addr::OFFSET,
    r::twiddle_addr::OFFSET,
    r::desc_addr::OFFSET,
    r::modulus_lo::OFFSET,
    r::modulus_hi::OFFSET,
    r::barrett_mu_lo::OFFSET,
    r::barrett_mu_hi::OFFSET,
    r::mod_bits::OFFSET,
    r::n_inv_lo::OFFSET,
    r::n_inv_hi::OFFSET,
];

impl Model {
    pub fn new(params: Params) -> Self {
        let mut m = Self {
            params,
            mem: Memory::new(params.devmem_words as usize, params.word_bits),
            fault: None,
            activity: Activity::default(),
            rw: vec![0; (r::BLOCK_BYTES / 4) as usize],
            status: 0,
            irq_status: 0,
            pending: None,
            cycles: 0,
            busy_cycles: 0,
            latched_cycles_hi: 0,
            latched_busy_hi: 0,
            jobs_done: 0,
            jobs_failed: 0,
        };
        m.soft_reset();
        m
    }

    fn soft_reset(&mut self) {
        self.rw.iter_mut().for_each(|w| *w = 0);
        self.rw[(r::batch_count::OFFSET / 4) as usize] = r::batch_count::RESET;
        self.status = 0;
        self.irq_status = 0;
        self.pending = None;
        self.cycles = 0;
        self.busy_cycles = 0;
        self.jobs_done = 0;
        self.jobs_failed = 0;
    }

    fn reg(&self, offset: u32) -> u32 {
        self.rw.get((offset / 4) as usize).copied().unwrap_or(0)
    }

    fn pair(&self, lo: u32, hi: u32) -> u64 {
        let hi = if self.params.word_bits > 32 {
            self.reg(hi)
        } else {
            0
        };
        u64::from(hi) << 32 | u64::from(self.reg(lo))
    }

    pub fn read(&mut self, offset: u32) -> u32 {
        self.activity.register_accesses += 1;
        let p = &self.params;
        match offset {
            r::id::OFFSET => r::MAGIC,
            r::version::OFFSET => r::VERSION_MAJOR << 16 | r::VERSION_MINOR,
            r::caps0::OFFSET => {
                r::caps0::WORD_BITS.val(p.word_bits)
                    | r::caps0::LANES.val(p.lanes)
                    | r::caps0::LOG_N_MAX.val(p.log_n_max)
                    | r::caps0::BANKS.val(p.banks)
            }
            r::caps1::OFFSET => {
                r::caps1::PIPE_DEPTH.val(p.pipe_depth)
                    | r::caps1::FLAGS.val(u32::from(p.descriptors))
                    | r::caps1::MAX_BATCH.val(p.max_batch)
            }
            r::devmem_words::OFFSET => p.devmem_words,
            r::status::OFFSET => {
                self.tick();
                self.status
            }
            r::irq_status::OFFSET => {
                self.tick();
                self.irq_status
            }
            r::cycles_lo::OFFSET => {
                self.latched_cycles_hi = (self.cycles >> 32) as u32;
                self.cycles as u32
            }
            r::cycles_hi::OFFSET => self.latched_cycles_hi,
            r::busy_cycles_lo::OFFSET => {
                self.latched_busy_hi = (self.busy_cycles >> 32) as u32;
                self.busy_cycles as u32
            }
            r::busy_cycles_hi::OFFSET => self.latched_busy_hi,
            r::jobs_done::OFFSET => self.jobs_done,
            r::jobs_failed::OFFSET => self.jobs_failed,
            o if RW.contains(&o) => {
                let hi = [
                    r::modulus_hi::OFFSET,
                    r::barrett_mu_hi::OFFSET,
                    r::n_inv_hi::OFFSET,
                ];
                if self.params.word_bits <= 32 && hi.contains(&o) {
                    0
                } else {
                    self.reg(o)
                }
            }
            _ => 0,
        }
    }

    pub fn write(&mut self, offset: u32, value: u32) {
        self.activity.register_accesses += 1;
        match offset {
            r::ctrl::OFFSET => {
                if r::ctrl::SOFT_RESET.get(value) != 0 {
                    self.soft_reset();
                } else if r::ctrl::START.get(value) != 0 && self.pending.is_none() {
                    self.start();
                }
            }
            r::irq_status::OFFSET => self.irq_status &= !value,
            o if RW.contains(&o) => {
                if let Some(w) = self.rw.get_mut((o / 4) as usize) {
                    *w = value;
                }
            }
            _ => {}
        }
    }

    fn job(&self) -> Job {
        let cfg = self.reg(r::job_cfg::OFFSET);
        Job {
            log_n: r::job_cfg::LOG_N.get(cfg),
            inverse: r::job_cfg::INVERSE.get(cfg) != 0,
            desc_en: r::job_cfg::DESC_EN.get(cfg) != 0,
            batch: self.reg(r::batch_count::OFFSET),
            stride: u64::from(self.reg(r::batch_stride::OFFSET)),
            src: u64::from(self.reg(r::src_addr::OFFSET)),
            dst: u64::from(self.reg(r::dst_addr::OFFSET)),
            desc_addr: u64::from(self.reg(r::desc_addr::OFFSET)),
            regs: LimbParams {
                q: self.pair(r::modulus_lo::OFFSET, r::modulus_hi::OFFSET),
                mu: self.pair(r::barrett_mu_lo::OFFSET, r::barrett_mu_hi::OFFSET),
                bits: self.reg(r::mod_bits::OFFSET),
                n_inv: self.pair(r::n_inv_lo::OFFSET, r::n_inv_hi::OFFSET),
                twiddle_addr: u64::from(self.reg(r::twiddle_addr::OFFSET)),
            },
        }
    }

    fn start(&mut self) {
        self.activity.starts += 1;
        self.status = 0;
        self.cycles = 0;
        self.busy_cycles = 0;
        let job = self.job();
        let p = self.params;
        let limits = Limits {
            word_bits: p.word_bits,
            log_n_max: p.log_n_max,
            max_batch: p.max_batch,
            descriptors: p.descriptors,
        };
        match exec::validate(&job, &limits, &self.mem) {
            Err(refusal) => {
                self.cycles = self.refusal_cycles(&job, refusal);
                self.finish(Err(refusal));
            }
            Ok(limbs) => {
                let fault = match self.fault.take() {
                    Some((f, n)) if n > 0 => {
                        if n > 1 {
                            self.fault = Some((f, n - 1));
                        }
                        Some(f)
                    }
                    _ => None,
                };
                self.status = r::status::BUSY.val(1);
                self.pending = Some(Pending {
                    polls_left: p.busy_polls,
                    hang: fault == Some(Fault::Hang),
                    job,
                    limbs,
                    fault,
                });
            }
        }
    }

    fn shape(&self, job: &Job, batch: u64) -> JobShape {
        JobShape {
            log_n: job.log_n,
            lanes: self.params.lanes,
            batch,
            desc: job.desc_en && self.params.descriptors,
            mem_latency: u64::from(self.params.mem_latency),
        }
    }

    /// `CYCLES` of a job refused at `START` (see [`cycles`]): which of the
    /// RTL's checks refused it. In descriptor mode the pre-pass refuses a bad
    /// modulus at its limb; an address found out of range after it (source,
    /// destination, a limb's twiddles) counts as a refusal at the last limb.
    fn refusal_cycles(&self, job: &Job, (code, limb): Refusal) -> u64 {
        let shape = self.shape(job, job.batch.into());
        let refusal = match code {
            ErrorCode::BadLogN | ErrorCode::BadBatch => cycles::Refusal::JobWide,
            ErrorCode::BadModulus if shape.desc => cycles::Refusal::Prepass { limb: limb.into() },
            ErrorCode::AddrRange
                if shape.desc && exec::descriptor_table_in_range(job, &self.mem) =>
            {
                cycles::Refusal::Prepass {
                    limb: shape.batch.saturating_sub(1),
                }
            }
            _ => cycles::Refusal::Start,
        };
        refused_cycles(shape, refusal)
    }

    /// One unit of time: a busy job gets closer to completion.
    fn tick(&mut self) {
        let Some(pending) = self.pending.as_mut() else {
            return;
        };
        if pending.hang {
            return;
        }
        if pending.polls_left > 0 {
            pending.polls_left -= 1;
            return;
        }
        let Some(pending) = self.pending.take() else {
            return;
        };
        let job = pending.job;
        let c = job_cycles(self.shape(&job, job.batch.into()));
        self.cycles = c.total;
        self.busy_cycles = c.busy;
        let result = match pending.fault {
            Some(Fault::Error(code)) => Err((code, 0)),
            _ => exec::execute(&job, &pending.limbs, &mut self.mem),
        };
        if let Err((ErrorCode::InputRange, limb)) = result {
            let c = job_cycles(self.shape(&job, u64::from(limb) + 1));
            self.cycles = c.total;
            self.busy_cycles = c.busy;
        }
        if let (Ok(()), Some(Fault::FlipBit { limb, index, bit })) = (result, pending.fault) {
            // The flip lands in this job's output whatever its batch: a
            // fault chosen for a larger batch (the driver may split one
            // into several jobs) still corrupts the job it was injected
            // into.
            let limb = u64::from(limb) % u64::from(job.batch.max(1));
            let index = u64::from(index) % (1u64 << job.log_n);
            let at = job.dst + limb * job.stride + index;
            if let Ok(w) = self.mem.slice_mut(at, 1) {
                w[0] ^= 1u64 << (bit % self.params.word_bits);
            }
        }
        self.finish(result);
    }

    fn finish(&mut self, result: Result<(), Refusal>) {
        self.activity.cycles += self.cycles;
        match result {
            Ok(()) => {
                self.status = r::status::DONE.val(1);
                self.irq_status |= r::irq_status::DONE.val(1);
                self.jobs_done = self.jobs_done.wrapping_add(1);
                self.activity.completed += 1;
            }
            Err((code, limb)) => {
                self.status = r::status::ERROR.val(1)
                    | r::status::ERR_CODE.val(code as u32)
                    | r::status::ERR_LIMB.val(limb);
                self.irq_status |= r::irq_status::ERROR.val(1);
                self.jobs_failed = self.jobs_failed.wrapping_add(1);
                self.activity.failed += 1;
            }
        }
    }
}
