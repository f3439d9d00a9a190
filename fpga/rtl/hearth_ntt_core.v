// hearth_ntt_core: the transform engine. Runs the k = log2 N stages of one
// limb in place on a two-bank coefficient buffer, LANES butterflies a cycle.
//
// Memory layout. The polynomial is stored as rows of LANES words; row r holds
// coefficients r*LANES .. r*LANES+LANES-1 and lives in bank parity(r) (the XOR
// of the bits of r) at address r >> 1. A stage with butterfly distance
// t >= LANES pairs rows A and A + t/LANES, which differ in exactly one bit and
// so sit in different banks; a stage with t < LANES works inside the window of
// rows 2x, 2x+1 (again one row per bank). Each bank is read once and written
// once per cycle: the buffer is conflict free.
//
// Order. Stage s visits its N/2 butterflies in natural order, LANES per cycle
// (cycle x: butterflies x*LANES ..). The butterfly of group i at distance t
// uses twiddle table[N/(2t) + i] for both directions (kernels: table[m + i]
// forward, table[h + i] inverse, m = h = N/(2t)). A butterfly b of stage s+1
// only needs outputs of butterflies <= b + N/4 of stage s, so when a stage
// lasts C = N/(2 LANES) >= 2*(LOOP+1) cycles the next stage starts right
// behind it with no bubble; shorter stages wait for the pipeline to drain.
//
// Timing: issue at cycle c, buffer data at c+1, butterfly outputs and write
// back at c+LOOP (LOOP = 1 + PIPE_DEPTH = 7), visible to reads from c+LOOP+1.
module hearth_ntt_core #(
    parameter W = 64,
    parameter LANES = 4,
    parameter LOG_N_MAX = 14,
    parameter LOGL = (LANES > 1) ? $clog2(LANES) : 0,
    parameter RROWS = ((1 << LOG_N_MAX) / LANES > 2) ? (1 << LOG_N_MAX) / LANES : 2,
    parameter RW = $clog2(RROWS),            // row index bits
    parameter BW = (RW > 1) ? RW - 1 : 1,    // bank address bits
    parameter TW = (RW > 0) ? RW : 1         // twiddle row bits
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 start,
    input  wire [4:0]           log_n,
    input  wire                 inverse,
    input  wire [W-1:0]         q,
    input  wire [W-1:0]         mu,
    input  wire [6:0]           bits,
    output reg                  busy,
    output reg                  done,
    output wire                 fire,
    // coefficient banks
    output wire                 re,
    output wire [BW-1:0]        b0_raddr,
    output wire [BW-1:0]        b1_raddr,
    input  wire [LANES*W-1:0]   b0_rdata,
    input  wire [LANES*W-1:0]   b1_rdata,
    output wire                 we,
    output wire [BW-1:0]        b0_waddr,
    output wire [BW-1:0]        b1_waddr,
    output wire [LANES*W-1:0]   b0_wdata,
    output wire [LANES*W-1:0]   b1_wdata,
    // twiddle memory (rows of LANES twiddles)
    output wire [TW-1:0]        tw_raddr,
    input  wire [LANES*W-1:0]   tw_rdata
);
    localparam LOOP = 7;
    localparam OW = (LOGL > 0) ? LOGL : 1;

    // ------------------------------------------------------------ control
    reg [4:0]  k;
    reg        inv;
    reg [4:0]  stage;
    reg [RW-1:0] x;
    reg        running, hold;
    reg [LOOP:1] pv;                      // pv[j]: an issue j cycles ago

    wire [RW-1:0] c_last = (k > LOGL + 1) ? ((1 << (k - 1 - LOGL)) - 1) : 0;
    wire nobubble = (k >= LOGL + 1 + 4);  // C = 2^(k-1-LOGL) >= 16 = 2*(LOOP+1)
    wire issue = running && !(hold && (|pv));
    assign fire = issue;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 0; done <= 0; running <= 0; hold <= 0; pv <= 0;
            stage <= 0; x <= 0; k <= 0; inv <= 0;
        end else begin
            done <= 0;
            pv <= {pv[LOOP-1:1], issue};
            if (start && !busy) begin
                busy <= 1; running <= 1; hold <= 0;
                k <= log_n; inv <= inverse; stage <= 0; x <= 0;
            end else if (issue) begin
                hold <= 0;
                if (x == c_last) begin
                    x <= 0;
                    if (stage == k - 1) running <= 0;
                    else begin
                        stage <= stage + 1;
                        hold <= !nobubble;
                    end
                end else x <= x + 1;
            end else if (busy && !running && !(|pv)) begin
                busy <= 0; done <= 1;
            end
        end
    end

    // -------------------------------------------------- address generation
    wire [4:0] logt = inv ? stage : (k - 1 - stage);
    wire [4:0] lt   = (logt > LOGL) ? logt : LOGL;
    wire [4:0] lw   = (logt < LOGL) ? logt : LOGL;
    wire [4:0] d    = lt - LOGL;
    wire [RW-1:0] lowmask = (1 << d) - 1;
    wire [RW-1:0] row_a = ((x & ~lowmask) << 1) | (x & lowmask);
    wire [RW-1:0] row_b = row_a | (1 << d);
    wire par_a = ^row_a;

    // twiddle index of lane 0: N/(2t) + (x*LANES >> logt)
    wire [LOG_N_MAX:0] b0   = {{(LOG_N_MAX+1-RW){1'b0}}, x} << LOGL;
    wire [LOG_N_MAX:0] idx0 = (1 << (k - 1 - logt)) + (b0 >> logt);
    wire [LOG_N_MAX:0] twr  = idx0 >> LOGL;
    assign tw_raddr = twr[TW-1:0];

    assign re = issue;
    assign b0_raddr = par_a ? row_b[RW-1:1] : row_a[RW-1:1];
    assign b1_raddr = par_a ? row_a[RW-1:1] : row_b[RW-1:1];

    // per-lane twiddle offsets within the row
    reg [LANES*OW-1:0] off_now, off_d1;
    integer l, j;
    always @* begin
        for (l = 0; l < LANES; l = l + 1)
            off_now[l*OW +: OW] = idx0[OW-1:0] + (l >> logt);
    end

    // metadata pipeline
    reg [4:0]    lw_p [1:LOOP];
    reg [RW-1:0] ra_p [1:LOOP];
    reg [RW-1:0] rb_p [1:LOOP];
    reg          pa_p [1:LOOP];
    integer p;
    always @(posedge clk) begin
        lw_p[1] <= lw; ra_p[1] <= row_a; rb_p[1] <= row_b; pa_p[1] <= par_a;
        off_d1 <= off_now;
        for (p = 2; p <= LOOP; p = p + 1) begin
            lw_p[p] <= lw_p[p-1]; ra_p[p] <= ra_p[p-1];
            rb_p[p] <= rb_p[p-1]; pa_p[p] <= pa_p[p-1];
        end
    end

    // ------------------------------------------------ input permutation
    wire [2*LANES*W-1:0] vin = pa_p[1] ? {b0_rdata, b1_rdata} : {b1_rdata, b0_rdata};
    reg  [LANES*W-1:0] xin, yin, win;
    integer p1;
    always @* begin
        xin = 0; yin = 0; win = 0; p1 = 0;
        for (l = 0; l < LANES; l = l + 1) begin
            for (j = 0; j <= LOGL; j = j + 1) begin
                if (lw_p[1] == j) begin
                    p1 = ((l >> j) << (j + 1)) | (l & ((1 << j) - 1));
                    xin[l*W +: W] = vin[p1*W +: W];
                    yin[l*W +: W] = vin[(p1 + (1 << j))*W +: W];
                end
            end
            win[l*W +: W] = (LANES > 1) ? tw_rdata[off_d1[l*OW +: OW]*W +: W] : tw_rdata[W-1:0];
        end
    end

    // ------------------------------------------------------- butterflies
    wire [LANES*W-1:0] xo, yo;
    genvar g;
    generate
        for (g = 0; g < LANES; g = g + 1) begin : lane
            hearth_butterfly #(.W(W)) bf (
                .clk(clk), .inverse(inv), .q(q), .mu(mu), .bits(bits),
                .x(xin[g*W +: W]), .y(yin[g*W +: W]), .w(win[g*W +: W]),
                .xo(xo[g*W +: W]), .yo(yo[g*W +: W])
            );
        end
    endgenerate

    // ----------------------------------------------- output permutation
    reg [2*LANES*W-1:0] vout;
    integer ln;
    always @* begin
        vout = 0; ln = 0;
        for (p = 0; p < 2*LANES; p = p + 1) begin
            for (j = 0; j <= LOGL; j = j + 1) begin
                if (lw_p[LOOP] == j) begin
                    ln = ((p >> (j + 1)) << j) | (p & ((1 << j) - 1));
                    vout[p*W +: W] = ((p >> j) & 1) ? yo[ln*W +: W] : xo[ln*W +: W];
                end
            end
        end
    end

    assign we = pv[LOOP];
    wire [LANES*W-1:0] first  = vout[LANES*W-1:0];
    wire [LANES*W-1:0] second = vout[2*LANES*W-1:LANES*W];
    wire pa7 = pa_p[LOOP];
    assign b0_waddr = pa7 ? rb_p[LOOP][RW-1:1] : ra_p[LOOP][RW-1:1];
    assign b1_waddr = pa7 ? ra_p[LOOP][RW-1:1] : rb_p[LOOP][RW-1:1];
    assign b0_wdata = pa7 ? second : first;
    assign b1_wdata = pa7 ? first : second;
endmodule
