//! The driver of the hearth NTT pipeline.
//!
//! ## For driver users
//! [`Pipeline::probe`] checks the identity and version, reads the
//! capabilities and plans device memory (`[descriptors | twiddle slots |
//! data]`, see [`Layout`]). [`Pipeline::run`] transforms a batch of limbs
//! stored one after another (the [`NttEngine`](hearth_kernels::ntt::NttEngine)
//! layout): it refuses requests the device cannot run, splits the batch into
//! jobs that fit (batch limit, data region, twiddle slots, one prime per job
//! when the device has no descriptor mode), loads each `(q, N)` twiddle table
//! once into a slot and keeps it there, runs the jobs, waits for each with a
//! time-out and checks every output word is reduced. The protocol is in
//! `docs/pipeline-protocol.md`.
//!
//! ## For implementors of the buses
//! The driver uses [`RegisterBus`] for registers and [`DeviceMemory`] for
//! polynomials, twiddles and descriptors, and sleeps with
//! [`DelayNs`] between status polls.

mod caps;
pub mod cycles;
mod error;
mod job;

pub use caps::{Capabilities, Layout};
pub use error::{Error, Limit};

use crate::bus::{DeviceMemory, RegisterBus};
use crate::regmap::{self, ctrl, irq_enable, version};
use embedded_hal::delay::DelayNs;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::NttPlan;

/// Most twiddle slots the driver manages.
pub const MAX_TWIDDLE_SLOTS: usize = 16;

/// Transform direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Direction {
    /// Natural-order coefficients to bit-reversed evaluations.
    Forward,
    /// Bit-reversed evaluations to natural-order coefficients.
    Inverse,
}

/// How the driver waits for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WaitMode {
    /// Poll `STATUS`.
    Poll,
    /// Enable the interrupts and poll `IRQ_STATUS` (what an interrupt
    /// handler would read).
    Interrupt,
}

/// Driver settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Give up on a job after this many microseconds.
    pub timeout_us: u32,
    /// Sleep between polls, in microseconds (at least 1).
    pub poll_us: u32,
    /// Polling or interrupt status.
    pub wait: WaitMode,
    /// Twiddle tables kept resident (1..=[`MAX_TWIDDLE_SLOTS`]).
    pub twiddle_slots: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timeout_us: 1_000_000,
            poll_us: 10,
            wait: WaitMode::Poll,
            twiddle_slots: 4,
        }
    }
}

/// The performance counters of the last job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Counters {
    /// Cycles from `START` to done.
    pub cycles: u64,
    /// Cycles in which the butterflies fired.
    pub busy_cycles: u64,
    /// Jobs completed since reset.
    pub jobs_done: u32,
    /// Jobs refused or failed since reset.
    pub jobs_failed: u32,
}

/// A twiddle table resident in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlotKey {
    q: u64,
    log_n: u32,
}

/// The pipeline driver over a register bus `B`, device memory `M` and a
/// delay `D`.
#[derive(Debug)]
pub struct Pipeline<B, M, D> {
    bus: B,
    mem: M,
    delay: D,
    caps: Capabilities,
    layout: Layout,
    config: Config,
    slots: [Option<SlotKey>; MAX_TWIDDLE_SLOTS],
    next_victim: usize,
    jobs: u64,
}

/// The driver's error for buses `B` and memory `M`.
pub type DriverError<B, M> = Error<<B as RegisterBus>::Error, <M as DeviceMemory>::Error>;

impl<B: RegisterBus, M: DeviceMemory, D: DelayNs> Pipeline<B, M, D> {
    /// Checks the device's identity and version, reads its capabilities,
    /// soft-resets it and plans device memory.
    pub fn probe(bus: B, mem: M, delay: D, config: Config) -> Result<Self, DriverError<B, M>> {
        let mut bus = bus;
        let id = bus.read32(regmap::id::OFFSET).map_err(Error::Bus)?;
        if id != regmap::MAGIC {
            return Err(Error::BadIdentity { id });
        }
        let v = bus.read32(version::OFFSET).map_err(Error::Bus)?;
        let (major, minor) = (version::MAJOR.get(v) as u16, version::MINOR.get(v) as u16);
        if u32::from(major) != regmap::VERSION_MAJOR {
            return Err(Error::UnsupportedVersion { major, minor });
        }
        let c0 = bus.read32(regmap::caps0::OFFSET).map_err(Error::Bus)?;
        let c1 = bus.read32(regmap::caps1::OFFSET).map_err(Error::Bus)?;
        let words = bus
            .read32(regmap::devmem_words::OFFSET)
            .map_err(Error::Bus)?;
        let caps = Capabilities::decode(minor, c0, c1, words);
        let slots = config.twiddle_slots.clamp(1, MAX_TWIDDLE_SLOTS as u32);
        let (layout, needed) = Layout::plan(&caps, slots);
        let layout = layout.ok_or(Error::OutOfDeviceMemory {
            needed,
            available: u64::from(words),
        })?;
        crate::log::info!("hearth pipeline found: {}", caps);
        let mut this = Self {
            bus,
            mem,
            delay,
            caps,
            layout,
            config: Config {
                twiddle_slots: slots,
                poll_us: config.poll_us.max(1),
                ..config
            },
            slots: [None; MAX_TWIDDLE_SLOTS],
            next_victim: 0,
            jobs: 0,
        };
        this.soft_reset()?;
        Ok(this)
    }

    /// The device's capabilities.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The driver's device-memory layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Jobs the driver has started since probe.
    pub fn jobs_started(&self) -> u64 {
        self.jobs
    }

    /// Aborts any job and resets the device's registers (`CTRL.SOFT_RESET`),
    /// then restores the interrupt enables the wait mode needs. Twiddle slots
    /// stay valid: device memory is kept.
    pub fn soft_reset(&mut self) -> Result<(), DriverError<B, M>> {
        self.write(ctrl::OFFSET, ctrl::SOFT_RESET.val(1))?;
        let irq = match self.config.wait {
            WaitMode::Poll => 0,
            WaitMode::Interrupt => irq_enable::DONE.val(1) | irq_enable::ERROR.val(1),
        };
        self.write(irq_enable::OFFSET, irq)
    }

    /// Forgets every resident twiddle table (after device memory was lost).
    pub fn invalidate_twiddles(&mut self) {
        self.slots = [None; MAX_TWIDDLE_SLOTS];
    }

    /// Loads the twiddle tables of `plan` into a slot (if not resident) and
    /// returns the slot's word address. [`Pipeline::run`] does this itself;
    /// calling it ahead moves the transfer out of the first job.
    pub fn load_twiddles<W: Word, S: AsRef<[W]>>(
        &mut self,
        plan: &NttPlan<W, S>,
    ) -> Result<u32, DriverError<B, M>> {
        self.check_request(&[plan], plan.degree(), plan.degree())?;
        let slot = self.ensure_twiddles(plan, &[])?;
        Ok(self.layout.slot_addr(slot as u32))
    }

    /// Transforms a batch: limb `i` is `limbs[i·N..(i+1)·N]`, with
    /// `plans[i]`. On error the contents of `limbs` are unspecified.
    pub fn run<W: Word, S: AsRef<[W]>>(
        &mut self,
        dir: Direction,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), DriverError<B, M>> {
        let Some(first) = plans.first() else {
            return match limbs.len() {
                0 => Ok(()),
                actual => Err(Error::LengthMismatch {
                    expected: 0,
                    actual,
                }),
            };
        };
        let n = first.degree();
        self.check_request(plans, limbs.len(), n)?;
        let max_limbs = (self.layout.data_words as usize / n)
            .min(self.caps.max_batch as usize)
            .max(1);
        let mut start = 0;
        while start < plans.len() {
            let end = self.chunk_end(plans, start, max_limbs);
            let chunk = plans.get(start..end).unwrap_or_default();
            let words = limbs
                .get_mut(start * n..end * n)
                .ok_or(Error::LengthMismatch {
                    expected: end * n,
                    actual: 0,
                })?;
            self.run_job(dir, chunk, words, start)?;
            start = end;
        }
        Ok(())
    }

    /// Refuses what the device cannot run, before touching it.
    fn check_request<W: Word, S: AsRef<[W]>>(
        &self,
        plans: &[&NttPlan<W, S>],
        len: usize,
        n: usize,
    ) -> Result<(), DriverError<B, M>> {
        if W::BITS != self.caps.word_bits {
            return Err(Error::WordSize {
                device: self.caps.word_bits,
                requested: W::BITS,
            });
        }
        if let Some(p) = plans.iter().find(|p| p.degree() != n) {
            return Err(Error::LengthMismatch {
                expected: n,
                actual: p.degree(),
            });
        }
        if len != plans.len() * n {
            return Err(Error::LengthMismatch {
                expected: plans.len() * n,
                actual: len,
            });
        }
        if let Some(p) = plans.iter().find(|p| !p.has_inverse()) {
            return Err(Error::ForwardOnlyPlan {
                modulus: p.modulus().value().to_u64(),
            });
        }
        let log_n = n.trailing_zeros();
        if log_n < regmap::LOG_N_MIN || log_n > self.caps.log_n_max {
            return Err(Error::Unsupported {
                limit: Limit::LogN,
                requested: u64::from(log_n),
                max: u64::from(self.caps.log_n_max),
            });
        }
        let max_bits = self.caps.word_bits.saturating_sub(2);
        if let Some(p) = plans.iter().find(|p| p.modulus().bits() > max_bits) {
            return Err(Error::Unsupported {
                limit: Limit::ModulusBits,
                requested: u64::from(p.modulus().bits()),
                max: u64::from(max_bits),
            });
        }
        if n > self.layout.data_words as usize {
            return Err(Error::Unsupported {
                limit: Limit::DataWords,
                requested: n as u64,
                max: u64::from(self.layout.data_words),
            });
        }
        Ok(())
    }

    /// End (exclusive) of the job starting at limb `start`: at most
    /// `max_limbs` limbs, at most as many distinct primes as twiddle slots,
    /// and a single prime without descriptor mode.
    fn chunk_end<W: Word, S: AsRef<[W]>>(
        &self,
        plans: &[&NttPlan<W, S>],
        start: usize,
        max_limbs: usize,
    ) -> usize {
        let mut keys: heapless::Vec<u64, MAX_TWIDDLE_SLOTS> = heapless::Vec::new();
        let slots = self.layout.slots as usize;
        let mut end = start;
        for p in plans.iter().skip(start).take(max_limbs) {
            let q = p.modulus().value().to_u64();
            if !keys.contains(&q) {
                let single = !self.caps.descriptors && !keys.is_empty();
                if single || keys.len() >= slots || keys.push(q).is_err() {
                    break;
                }
            }
            end += 1;
        }
        end.max(start + 1)
    }

    fn write(&mut self, offset: u32, value: u32) -> Result<(), DriverError<B, M>> {
        self.bus.write32(offset, value).map_err(Error::Bus)
    }

    fn read(&mut self, offset: u32) -> Result<u32, DriverError<B, M>> {
        self.bus.read32(offset).map_err(Error::Bus)
    }

    /// Reads the counters of the last job (64-bit pairs low half first).
    pub fn counters(&mut self) -> Result<Counters, DriverError<B, M>> {
        let lo = self.read(regmap::cycles_lo::OFFSET)?;
        let hi = self.read(regmap::cycles_hi::OFFSET)?;
        let blo = self.read(regmap::busy_cycles_lo::OFFSET)?;
        let bhi = self.read(regmap::busy_cycles_hi::OFFSET)?;
        Ok(Counters {
            cycles: u64::from(hi) << 32 | u64::from(lo),
            busy_cycles: u64::from(bhi) << 32 | u64::from(blo),
            jobs_done: self.read(regmap::jobs_done::OFFSET)?,
            jobs_failed: self.read(regmap::jobs_failed::OFFSET)?,
        })
    }

    /// Gives the buses and the delay back.
    pub fn release(self) -> (B, M, D) {
        (self.bus, self.mem, self.delay)
    }
}

#[cfg(test)]
mod tests;
