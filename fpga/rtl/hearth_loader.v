// hearth_loader: fetches one limb into a buffer set through the memory read
// channel, LANES words a beat: the limb's descriptor (descriptor mode), then
// its N twiddles of the job's direction, then its N input coefficients.
//
// Requests go out one a cycle; responses come back in order after any
// latency and are routed by their position in the stream. A coefficient row
// r is requested only once the store engine (which empties the same buffer)
// has read row r. Inputs >= q raise in_err. With desc_only the loader fetches
// and parses the descriptor and stops (the validation pre-pass).
module hearth_loader #(
    parameter W = 64,
    parameter LANES = 4,
    parameter LOG_N_MAX = 14,
    parameter AW = 32,
    parameter RW = 12
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               start,
    input  wire               desc_only,
    input  wire [4:0]         log_n,
    input  wire               inverse,
    input  wire               desc_en,
    input  wire [AW-1:0]      desc_addr,   // this limb's descriptor
    input  wire [AW-1:0]      src_addr,    // this limb's input
    input  wire [W-1:0]       reg_q,
    input  wire [W-1:0]       reg_mu,
    input  wire [6:0]         reg_bits,
    input  wire [W-1:0]       reg_n_inv,
    input  wire [AW-1:0]      reg_tw_addr,
    input  wire               st_active,   // store engine working on this buffer
    input  wire [RW:0]        st_ptr,      // rows it has read
    output reg                busy,
    // parsed parameters (valid from param_we until the next start)
    output reg  [W-1:0]       q,
    output reg  [W-1:0]       mu,
    output reg  [6:0]         bits,
    output reg  [W-1:0]       n_inv,
    output reg  [AW-1:0]      tw_addr,
    output reg                param_we,
    // memory read channel
    output wire               rd_valid,
    output wire [AW-1:0]      rd_addr,
    input  wire               rsp_valid,
    input  wire [LANES*W-1:0] rsp_data,
    // buffer writes
    output wire               tw_we,
    output wire [RW-1:0]      tw_row,
    output wire               cf_we,
    output wire [RW-1:0]      cf_row,
    output wire [LANES*W-1:0] wdata,
    output reg                in_err
);
    localparam LOGL = (LANES > 1) ? $clog2(LANES) : 0;
    localparam DB = (8 + LANES - 1) / LANES;   // descriptor beats
    localparam S_IDLE = 0, S_DESC = 1, S_DWAIT = 2, S_PARSE = 3, S_DATA = 4;

    reg [2:0]  state;
    reg [RW+1:0] req, rsp;                     // positions in the stream
    reg [4:0]  k;
    reg        inv, only;
    reg [AW-1:0] dbase, sbase;
    reg [W-1:0] dw [0:7];

    wire [RW:0] rows = (k > LOGL) ? ({{RW{1'b0}}, 1'b1} << (k - LOGL)) : 1;
    wire [RW+1:0] total = {1'b0, rows} << 1;

    // request stream: DATA phase, position req in [0, 2*rows)
    wire in_tw   = req < {1'b0, rows};
    wire [RW+1:0] rrow = in_tw ? req : req - {1'b0, rows};
    wire gate_ok = in_tw || !st_active || ({1'b0, st_ptr} > rrow);
    wire [AW-1:0] n_words = {{(AW-1){1'b0}}, 1'b1} << k;
    wire [AW-1:0] rrow_w = {{(AW-RW-2){1'b0}}, rrow};
    wire [AW-1:0] req_w = {{(AW-RW-2){1'b0}}, req};
    wire [AW-1:0] beat_off = rrow_w << LOGL;
    wire data_req = (state == S_DATA) && (req < total) && gate_ok;
    wire desc_req = (state == S_DESC);
    assign rd_valid = data_req || desc_req;
    assign rd_addr = desc_req ? dbase + (req_w << LOGL)
                   : in_tw ? tw_addr + (inv ? n_words : 0) + beat_off
                   : sbase + beat_off;

    // response routing
    wire rsp_desc = rsp_valid && (state == S_DESC || state == S_DWAIT);
    wire rsp_data_ = rsp_valid && (state == S_DATA);
    wire rsp_tw = rsp < {1'b0, rows};
    wire [RW+1:0] wrow = rsp_tw ? rsp : rsp - {1'b0, rows};
    assign tw_we = rsp_data_ && rsp_tw;
    assign cf_we = rsp_data_ && !rsp_tw;
    assign tw_row = wrow[RW-1:0];
    assign cf_row = wrow[RW-1:0];
    assign wdata = rsp_data;

    // input range check on coefficient beats (lanes beyond N ignored)
    reg bad_lane;
    integer l;
    always @* begin
        bad_lane = 0;
        for (l = 0; l < LANES; l = l + 1)
            if ((({{(32-RW-2){1'b0}}, wrow} << LOGL) + l < (32'd1 << k))
                && (rsp_data[l*W +: W] >= q))
                bad_lane = 1;
    end

    integer i;
    always @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE; busy <= 0; param_we <= 0; in_err <= 0;
            req <= 0; rsp <= 0; k <= 0; inv <= 0; only <= 0;
        end else begin
            param_we <= 0;
            in_err <= 0;
            case (state)
                S_IDLE: if (start) begin
                    busy <= 1; k <= log_n; inv <= inverse; only <= desc_only;
                    dbase <= desc_addr; sbase <= src_addr;
                    req <= 0; rsp <= 0;
                    if (desc_en) state <= S_DESC;
                    else begin
                        q <= reg_q; mu <= reg_mu; bits <= reg_bits;
                        n_inv <= reg_n_inv; tw_addr <= reg_tw_addr;
                        param_we <= 1;
                        state <= S_DATA;
                    end
                end
                S_DESC: begin
                    req <= req + 1;
                    if (req == DB - 1) state <= S_DWAIT;
                end
                S_PARSE: begin
                    q <= dw[0]; mu <= dw[1]; bits <= dw[2][6:0];
                    n_inv <= dw[3]; tw_addr <= dw[4][AW-1:0];
                    param_we <= 1;
                    req <= 0; rsp <= 0;
                    if (only) begin state <= S_IDLE; busy <= 0; end
                    else state <= S_DATA;
                end
                S_DATA: begin
                    if (data_req) req <= req + 1;
                    if (rsp_data_) begin
                        rsp <= rsp + 1;
                        if (!rsp_tw && bad_lane) in_err <= 1;
                        if (rsp == total - 1) begin state <= S_IDLE; busy <= 0; end
                    end
                end
                default: ;
            endcase
            if (rsp_desc) begin
                for (i = 0; i < LANES; i = i + 1)
                    if (rsp[2:0] * LANES + i < 8) dw[rsp[2:0] * LANES + i] <= rsp_data[i*W +: W];
                rsp <= rsp + 1;
                if (rsp == DB - 1) state <= S_PARSE;
            end
        end
    end
endmodule
