// hearth_ntt_top: the hearth NTT pipeline. Register file (fpga/regmap.toml,
// through the generated hearth_regmap.vh), job validation, and the batch
// scheduler that overlaps, limb by limb, the load of limb i+1 and the store of
// limb i-1 with the transform of limb i on two buffer sets (double buffering).
//
// Bus: 32-bit register reads (combinational rdata, side effects on the clock
// edge with bus_re) and writes (bus_we). Memory port: a read channel
// (request: rd_valid/rd_addr, always accepted; response: rsp_valid/rsp_data,
// in order, any latency >= 1, always accepted) and a write channel
// (wr_valid/wr_addr/wr_data/wr_mask, always accepted), each LANES words a
// beat at word address rd_addr / wr_addr. See fpga/README.md.
module hearth_ntt_top #(
    parameter WORD_BITS = 64,
    parameter LANES = 4,
    parameter LOG_N_MAX = 14,
    parameter AW = 32,
    parameter DEVMEM_WORDS = 32'h0010_0000,
    parameter MAX_BATCH = 1024
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire                       bus_we,
    input  wire                       bus_re,
    input  wire [11:0]                bus_addr,
    input  wire [31:0]                bus_wdata,
    output reg  [31:0]                bus_rdata,
    output wire                       irq,
    output wire                       rd_valid,
    output wire [AW-1:0]              rd_addr,
    input  wire                       rsp_valid,
    input  wire [LANES*WORD_BITS-1:0] rsp_data,
    output wire                       wr_valid,
    output wire [AW-1:0]              wr_addr,
    output wire [LANES*WORD_BITS-1:0] wr_data,
    output wire [LANES-1:0]           wr_mask
);
`include "hearth_regmap.vh"
    localparam W = WORD_BITS;
    localparam LOGL = (LANES > 1) ? $clog2(LANES) : 0;
    localparam RROWS = ((1 << LOG_N_MAX) / LANES > 2) ? (1 << LOG_N_MAX) / LANES : 2;
    localparam RW = $clog2(RROWS);
    localparam BW = RW - 1;
    localparam PIPE_DEPTH = 6;
    localparam [31:0] CAPS0 = WORD_BITS | (LANES << 8) | (LOG_N_MAX << 16) | ((2 * LANES) << 24);
    localparam [31:0] CAPS1 = PIPE_DEPTH | (1 << 8) | (MAX_BATCH << 16);

    // ------------------------------------------------------- registers
    reg [31:0] scratch, job_cfg, batch_count, batch_stride, src_addr, dst_addr;
    reg [31:0] tw_addr_r, desc_addr;
    reg [63:0] modulus, barrett_mu, n_inv_r;
    reg [6:0]  mod_bits;
    reg [1:0]  irq_enable, irq_status;
    reg        st_busy_r, st_done, st_error;
    reg [7:0]  err_code;
    reg [15:0] err_limb;
    reg [63:0] cycles, busy_cycles;
    reg [31:0] cycles_hi_l, busy_hi_l, jobs_done, jobs_failed;

    wire [4:0] log_n   = job_cfg[4:0];
    wire       inverse = job_cfg[8];
    wire       desc_en = job_cfg[9];
    assign irq = |(irq_status & irq_enable);

    always @* begin
        case (bus_addr)
            HEARTH_REG_ID:              bus_rdata = HEARTH_MAGIC;
            HEARTH_REG_VERSION:         bus_rdata = HEARTH_RESET_VERSION;
            HEARTH_REG_CAPS0:           bus_rdata = CAPS0;
            HEARTH_REG_CAPS1:           bus_rdata = CAPS1;
            HEARTH_REG_DEVMEM_WORDS:    bus_rdata = DEVMEM_WORDS;
            HEARTH_REG_SCRATCH:         bus_rdata = scratch;
            HEARTH_REG_STATUS:          bus_rdata = {err_limb, err_code, 5'd0, st_error, st_done, st_busy_r};
            HEARTH_REG_IRQ_ENABLE:      bus_rdata = {30'd0, irq_enable};
            HEARTH_REG_IRQ_STATUS:      bus_rdata = {30'd0, irq_status};
            HEARTH_REG_JOB_CFG:         bus_rdata = job_cfg;
            HEARTH_REG_BATCH_COUNT:     bus_rdata = batch_count;
            HEARTH_REG_BATCH_STRIDE:    bus_rdata = batch_stride;
            HEARTH_REG_SRC_ADDR:        bus_rdata = src_addr;
            HEARTH_REG_DST_ADDR:        bus_rdata = dst_addr;
            HEARTH_REG_TWIDDLE_ADDR:    bus_rdata = tw_addr_r;
            HEARTH_REG_DESC_ADDR:       bus_rdata = desc_addr;
            HEARTH_REG_MODULUS_LO:      bus_rdata = modulus[31:0];
            HEARTH_REG_MODULUS_HI:      bus_rdata = modulus[63:32];
            HEARTH_REG_BARRETT_MU_LO:   bus_rdata = barrett_mu[31:0];
            HEARTH_REG_BARRETT_MU_HI:   bus_rdata = barrett_mu[63:32];
            HEARTH_REG_MOD_BITS:        bus_rdata = {25'd0, mod_bits};
            HEARTH_REG_N_INV_LO:        bus_rdata = n_inv_r[31:0];
            HEARTH_REG_N_INV_HI:        bus_rdata = n_inv_r[63:32];
            HEARTH_REG_CYCLES_LO:       bus_rdata = cycles[31:0];
            HEARTH_REG_CYCLES_HI:       bus_rdata = cycles_hi_l;
            HEARTH_REG_BUSY_CYCLES_LO:  bus_rdata = busy_cycles[31:0];
            HEARTH_REG_BUSY_CYCLES_HI:  bus_rdata = busy_hi_l;
            HEARTH_REG_JOBS_DONE:       bus_rdata = jobs_done;
            HEARTH_REG_JOBS_FAILED:     bus_rdata = jobs_failed;
            default:                    bus_rdata = 32'd0;
        endcase
    end

    wire wr_ctrl    = bus_we && bus_addr == HEARTH_REG_CTRL;
    wire soft_reset = wr_ctrl && bus_wdata[1];
    wire start_req  = wr_ctrl && bus_wdata[0] && !soft_reset && !st_busy_r;
    wire irst = rst || soft_reset;
    // 64-bit register halves: a 32-bit device keeps only the low word.
    wire [31:0] hi_mask = (W > 32) ? 32'hffff_ffff : 32'd0;

    // ------------------------------------------------------ job checks
    wire [47:0] n48    = 48'd1 << log_n;
    wire [47:0] span   = (batch_count[15:0] == 0) ? 48'd0
                       : (batch_count[15:0] - 48'd1) * batch_stride + n48;
    wire [47:0] src_end = src_addr + span;
    wire [47:0] dst_end = dst_addr + span;
    wire bad_log_n = (log_n < HEARTH_LOG_N_MIN) || (log_n > LOG_N_MAX);
    wire bad_batch = (batch_count == 0) || (batch_count > MAX_BATCH)
                   || (batch_count > 1 && {16'd0, batch_stride} < n48);
    wire bad_io = (src_end > DEVMEM_WORDS) || (dst_end > DEVMEM_WORDS)
                || (src_addr != dst_addr && src_addr < dst_end && dst_addr < src_end);
    wire bad_desc_range = desc_addr + 48'd8 * batch_count > DEVMEM_WORDS;
    wire bad_tw_reg = tw_addr_r + 2 * n48 > DEVMEM_WORDS;

    // -------------------------------------------------------- engines
    localparam T_IDLE = 0, T_CHECK = 1, T_MOD = 2, T_PRE_GO = 3, T_PRE_WAIT = 4,
               T_PRE_V = 5, T_PRE_CHK = 6, T_SLOT_GO = 7, T_SLOT_WAIT = 8;
    reg [3:0]  tstate;
    reg [16:0] slot;            // slot s: load limb s, compute s-1, store s-2
    reg [15:0] limb;            // pre-pass limb
    reg [15:0] tw_bad_limb;
    reg        tw_bad, in_err_seen;
    reg [15:0] in_err_limb;
    wire ls_set = slot[0];

    wire ld_busy, ld_param_we, ld_rd_valid, ld_tw_we, ld_cf_we, ld_in_err;
    wire [W-1:0] ld_q, ld_mu, ld_ninv;
    wire [6:0]   ld_bits;
    wire [AW-1:0] ld_tw_addr, ld_rd_addr;
    wire [RW-1:0] ld_tw_row, ld_cf_row;
    wire [LANES*W-1:0] ld_wdata;
    reg ld_start, ld_desc_only, cp_start, st_start;
    reg [15:0] ld_limb, st_limb;

    wire st_busy_e, st_re, st_wr_valid;
    wire [RW:0] st_ptr;
    wire [RW-1:0] st_row;
    wire [LANES*W-1:0] st_rdata;

    // per-set limb parameters
    reg [W-1:0] set_q [0:1];
    reg [W-1:0] set_mu [0:1];
    reg [6:0]   set_bits [0:1];
    reg [W-1:0] set_ninv [0:1];
    always @(posedge clk) if (ld_param_we && tstate == T_SLOT_WAIT) begin
        set_q[ls_set] <= ld_q; set_mu[ls_set] <= ld_mu;
        set_bits[ls_set] <= ld_bits; set_ninv[ls_set] <= ld_ninv;
    end

    hearth_loader #(.W(W), .LANES(LANES), .LOG_N_MAX(LOG_N_MAX), .AW(AW), .RW(RW)) loader (
        .clk(clk), .rst(irst), .start(ld_start), .desc_only(ld_desc_only),
        .log_n(log_n), .inverse(inverse), .desc_en(desc_en),
        .desc_addr(desc_addr + {ld_limb, 3'b000}),
        .src_addr(src_addr + ld_limb * batch_stride),
        .reg_q(modulus[W-1:0]), .reg_mu(barrett_mu[W-1:0]), .reg_bits(mod_bits),
        .reg_n_inv(n_inv_r[W-1:0]), .reg_tw_addr(tw_addr_r[AW-1:0]),
        .st_active(st_busy_e), .st_ptr(st_ptr),
        .busy(ld_busy), .q(ld_q), .mu(ld_mu), .bits(ld_bits), .n_inv(ld_ninv),
        .tw_addr(ld_tw_addr), .param_we(ld_param_we),
        .rd_valid(ld_rd_valid), .rd_addr(ld_rd_addr),
        .rsp_valid(rsp_valid), .rsp_data(rsp_data),
        .tw_we(ld_tw_we), .tw_row(ld_tw_row), .cf_we(ld_cf_we), .cf_row(ld_cf_row),
        .wdata(ld_wdata), .in_err(ld_in_err)
    );
    assign rd_valid = ld_rd_valid;
    assign rd_addr = ld_rd_addr;

    wire comp_set = ~slot[0];
    wire cp_busy, cp_done, cp_fire, cp_re, cp_we;
    wire [BW-1:0] cp_b0_raddr, cp_b1_raddr, cp_b0_waddr, cp_b1_waddr;
    wire [LANES*W-1:0] cp_b0_wdata, cp_b1_wdata;
    wire [RW-1:0] cp_tw_raddr;
    wire [LANES*W-1:0] bank_rdata [0:3];     // set*2 + bank
    wire [LANES*W-1:0] tw_rdata [0:1];

    hearth_ntt_core #(.W(W), .LANES(LANES), .LOG_N_MAX(LOG_N_MAX)) core (
        .clk(clk), .rst(irst), .start(cp_start), .log_n(log_n), .inverse(inverse),
        .q(set_q[comp_set]), .mu(set_mu[comp_set]), .bits(set_bits[comp_set]),
        .busy(cp_busy), .done(cp_done), .fire(cp_fire),
        .re(cp_re), .b0_raddr(cp_b0_raddr), .b1_raddr(cp_b1_raddr),
        .b0_rdata(bank_rdata[{comp_set, 1'b0}]), .b1_rdata(bank_rdata[{comp_set, 1'b1}]),
        .we(cp_we), .b0_waddr(cp_b0_waddr), .b1_waddr(cp_b1_waddr),
        .b0_wdata(cp_b0_wdata), .b1_wdata(cp_b1_wdata),
        .tw_raddr(cp_tw_raddr), .tw_rdata(tw_rdata[comp_set])
    );

    hearth_storer #(.W(W), .LANES(LANES), .AW(AW), .RW(RW)) storer (
        .clk(clk), .rst(irst), .start(st_start), .log_n(log_n), .inverse(inverse),
        .dst_addr(dst_addr + st_limb * batch_stride),
        .q(set_q[ls_set]), .mu(set_mu[ls_set]), .bits(set_bits[ls_set]),
        .n_inv(set_ninv[ls_set]),
        .busy(st_busy_e), .st_ptr(st_ptr), .re(st_re), .row(st_row), .rdata(st_rdata),
        .wr_valid(wr_valid), .wr_addr(wr_addr), .wr_data(wr_data), .wr_mask(wr_mask)
    );

    // ------------------------------------------------------- buffers
    reg st_par_d1;
    always @(posedge clk) st_par_d1 <= ^st_row;
    assign st_rdata = bank_rdata[{ls_set, st_par_d1}];
    wire ld_par = ^ld_cf_row;

    genvar gs, gb;
    generate
        for (gs = 0; gs < 2; gs = gs + 1) begin : set
            for (gb = 0; gb < 2; gb = gb + 1) begin : bank
                wire is_cp = (comp_set == gs);
                wire re_ = is_cp ? cp_re : (st_re && (^st_row) == gb);
                wire [BW-1:0] ra = is_cp ? (gb ? cp_b1_raddr : cp_b0_raddr) : st_row[RW-1:1];
                wire we_ = is_cp ? cp_we : (ld_cf_we && ld_par == gb);
                wire [BW-1:0] wa = is_cp ? (gb ? cp_b1_waddr : cp_b0_waddr) : ld_cf_row[RW-1:1];
                wire [LANES*W-1:0] wd = is_cp ? (gb ? cp_b1_wdata : cp_b0_wdata) : ld_wdata;
                hearth_sdpram #(.WIDTH(LANES*W), .DEPTH(RROWS/2)) ram (
                    .clk(clk), .we(we_), .waddr(wa), .wdata(wd),
                    .re(re_), .raddr(ra), .rdata(bank_rdata[gs*2+gb])
                );
            end
            hearth_sdpram #(.WIDTH(LANES*W), .DEPTH(RROWS)) twram (
                .clk(clk), .we(ld_tw_we && ls_set == gs), .waddr(ld_tw_row), .wdata(ld_wdata),
                .re(1'b1), .raddr(cp_tw_raddr), .rdata(tw_rdata[gs])
            );
        end
    endgenerate

    // ------------------------------------------------------ validation
    reg  [W-1:0] v_q, v_mu, v_ninv;
    reg  [6:0]   v_bits;
    wire v_bad;
    hearth_validate #(.W(W)) validate (
        .clk(clk), .q(v_q), .mu(v_mu), .bits(v_bits), .n_inv(v_ninv),
        .log_n(log_n), .bad(v_bad)
    );

    // --------------------------------------------------- control FSM
    task finish_error(input [7:0] code, input [15:0] lmb);
        begin
            tstate <= T_IDLE; st_busy_r <= 0; st_error <= 1;
            err_code <= code; err_limb <= lmb;
            irq_status[1] <= 1; jobs_failed <= jobs_failed + 1;
        end
    endtask

    wire engines_idle = !ld_busy && !cp_busy && !st_busy_e;
    wire last_slot = (slot == {1'b0, batch_count[15:0]} + 17'd1);

    always @(posedge clk) begin
        if (irst) begin
            tstate <= T_IDLE; st_busy_r <= 0; st_done <= 0; st_error <= 0;
            err_code <= 0; err_limb <= 0; cycles <= 0; busy_cycles <= 0;
            cycles_hi_l <= 0; busy_hi_l <= 0; irq_status <= 0;
            ld_start <= 0; cp_start <= 0; st_start <= 0; ld_desc_only <= 0;
            slot <= 0; limb <= 0; tw_bad <= 0; in_err_seen <= 0;
            scratch <= 0; job_cfg <= 0; batch_count <= 1; batch_stride <= 0;
            src_addr <= 0; dst_addr <= 0; tw_addr_r <= 0; desc_addr <= 0;
            modulus <= 0; barrett_mu <= 0; mod_bits <= 0; n_inv_r <= 0;
            irq_enable <= 0;
            if (rst) begin jobs_done <= 0; jobs_failed <= 0; end
        end else begin
            ld_start <= 0; cp_start <= 0; st_start <= 0;
            // bus writes
            if (bus_we) case (bus_addr)
                HEARTH_REG_SCRATCH:        scratch <= bus_wdata;
                HEARTH_REG_IRQ_ENABLE:     irq_enable <= bus_wdata[1:0];
                HEARTH_REG_IRQ_STATUS:     irq_status <= irq_status & ~bus_wdata[1:0];
                HEARTH_REG_JOB_CFG:        job_cfg <= bus_wdata & 32'h0000_031f;
                HEARTH_REG_BATCH_COUNT:    batch_count <= bus_wdata;
                HEARTH_REG_BATCH_STRIDE:   batch_stride <= bus_wdata;
                HEARTH_REG_SRC_ADDR:       src_addr <= bus_wdata;
                HEARTH_REG_DST_ADDR:       dst_addr <= bus_wdata;
                HEARTH_REG_TWIDDLE_ADDR:   tw_addr_r <= bus_wdata;
                HEARTH_REG_DESC_ADDR:      desc_addr <= bus_wdata;
                HEARTH_REG_MODULUS_LO:     modulus[31:0] <= bus_wdata;
                HEARTH_REG_MODULUS_HI:     modulus[63:32] <= bus_wdata & hi_mask;
                HEARTH_REG_BARRETT_MU_LO:  barrett_mu[31:0] <= bus_wdata;
                HEARTH_REG_BARRETT_MU_HI:  barrett_mu[63:32] <= bus_wdata & hi_mask;
                HEARTH_REG_MOD_BITS:       mod_bits <= bus_wdata[6:0];
                HEARTH_REG_N_INV_LO:       n_inv_r[31:0] <= bus_wdata;
                HEARTH_REG_N_INV_HI:       n_inv_r[63:32] <= bus_wdata & hi_mask;
                default: ;
            endcase
            if (bus_re && bus_addr == HEARTH_REG_CYCLES_LO) cycles_hi_l <= cycles[63:32];
            if (bus_re && bus_addr == HEARTH_REG_BUSY_CYCLES_LO) busy_hi_l <= busy_cycles[63:32];
            if (st_busy_r) cycles <= cycles + 1;
            if (cp_fire) busy_cycles <= busy_cycles + 1;
            if (ld_in_err && !in_err_seen) begin in_err_seen <= 1; in_err_limb <= ld_limb; end

            case (tstate)
                T_IDLE: if (start_req) begin
                    st_busy_r <= 1; st_done <= 0; st_error <= 0; err_code <= 0; err_limb <= 0;
                    cycles <= 0; busy_cycles <= 0; tw_bad <= 0; in_err_seen <= 0;
                    v_q <= modulus[W-1:0]; v_mu <= barrett_mu[W-1:0];
                    v_bits <= mod_bits; v_ninv <= n_inv_r[W-1:0];
                    tstate <= T_CHECK;
                end
                T_CHECK: begin
                    // validator output for the register-mode modulus is ready next cycle
                    if (bad_log_n) finish_error(HEARTH_ERR_BAD_LOG_N, 0);
                    else if (bad_batch) finish_error(HEARTH_ERR_BAD_BATCH, 0);
                    else tstate <= T_MOD;
                end
                T_MOD: begin
                    if (desc_en) begin
                        if (bad_desc_range) finish_error(HEARTH_ERR_ADDR_RANGE, 0);
                        else begin limb <= 0; tstate <= T_PRE_GO; end
                    end else if (v_bad) finish_error(HEARTH_ERR_BAD_MODULUS, 0);
                    else if (bad_io || bad_tw_reg) finish_error(HEARTH_ERR_ADDR_RANGE, 0);
                    else begin slot <= 0; tstate <= T_SLOT_GO; end
                end
                T_PRE_GO: begin
                    ld_start <= 1; ld_desc_only <= 1; ld_limb <= limb;
                    tstate <= T_PRE_WAIT;
                end
                T_PRE_WAIT: if (!ld_start && !ld_busy) begin
                    v_q <= ld_q; v_mu <= ld_mu; v_bits <= ld_bits; v_ninv <= ld_ninv;
                    if (!tw_bad && (ld_tw_addr + 2 * n48 > DEVMEM_WORDS)) begin
                        tw_bad <= 1; tw_bad_limb <= limb;
                    end
                    tstate <= T_PRE_V;
                end
                T_PRE_V: tstate <= T_PRE_CHK;
                T_PRE_CHK: begin
                    if (v_bad) finish_error(HEARTH_ERR_BAD_MODULUS, limb);
                    else if (limb + 1 != batch_count[15:0]) begin
                        limb <= limb + 1; tstate <= T_PRE_GO;
                    end else if (bad_io) finish_error(HEARTH_ERR_ADDR_RANGE, 0);
                    else if (tw_bad) finish_error(HEARTH_ERR_ADDR_RANGE, tw_bad_limb);
                    else begin slot <= 0; tstate <= T_SLOT_GO; end
                end
                T_SLOT_GO: begin
                    ld_desc_only <= 0;
                    if (slot < {1'b0, batch_count[15:0]}) begin
                        ld_start <= 1; ld_limb <= slot[15:0];
                    end
                    if (slot >= 1 && slot <= {1'b0, batch_count[15:0]}) cp_start <= 1;
                    if (slot >= 2) begin st_start <= 1; st_limb <= slot[15:0] - 16'd2; end
                    tstate <= T_SLOT_WAIT;
                end
                T_SLOT_WAIT: if (engines_idle && !ld_start && !cp_start && !st_start) begin
                    if (in_err_seen) finish_error(HEARTH_ERR_INPUT_RANGE, in_err_limb);
                    else if (last_slot) begin
                        tstate <= T_IDLE; st_busy_r <= 0; st_done <= 1;
                        irq_status[0] <= 1; jobs_done <= jobs_done + 1;
                    end else begin
                        slot <= slot + 1; tstate <= T_SLOT_GO;
                    end
                end
                default: tstate <= T_IDLE;
            endcase
        end
    end
endmodule
