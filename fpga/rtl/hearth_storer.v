// hearth_storer: empties a buffer set to device memory through the write
// channel, LANES words a beat, multiplying every word by N^-1 mod q for the
// inverse transform (by 1 for the forward transform, so both directions have
// the same latency). Rows are read in order, one a cycle; st_ptr counts the
// rows read so the loader may refill them behind it.
module hearth_storer #(
    parameter W = 64,
    parameter LANES = 4,
    parameter AW = 32,
    parameter RW = 12
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               start,
    input  wire [4:0]         log_n,
    input  wire               inverse,
    input  wire [AW-1:0]      dst_addr,
    input  wire [W-1:0]       q,
    input  wire [W-1:0]       mu,
    input  wire [6:0]         bits,
    input  wire [W-1:0]       n_inv,
    output reg                busy,
    output reg  [RW:0]        st_ptr,
    // buffer read (data one cycle later)
    output wire               re,
    output wire [RW-1:0]      row,
    input  wire [LANES*W-1:0] rdata,
    // memory write channel
    output wire               wr_valid,
    output wire [AW-1:0]      wr_addr,
    output wire [LANES*W-1:0] wr_data,
    output wire [LANES-1:0]   wr_mask
);
    localparam LOGL = (LANES > 1) ? $clog2(LANES) : 0;
    localparam LAT = 5;                      // buffer read 1 + multiplier 4

    reg [4:0]    k;
    reg [AW-1:0] base;
    reg [W-1:0]  sq, smu, sfac;
    reg [6:0]    sbits;
    reg          reading;
    reg [LAT:1]  pv;
    reg [RW:0]   wptr;

    wire [RW:0] rows = (k > LOGL) ? ({{RW{1'b0}}, 1'b1} << (k - LOGL)) : 1;
    assign re = reading;
    assign row = st_ptr[RW-1:0];

    genvar g;
    generate
        for (g = 0; g < LANES; g = g + 1) begin : lane
            hearth_modmul #(.W(W)) mul (
                .clk(clk), .a(rdata[g*W +: W]), .b(sfac), .q(sq), .mu(smu),
                .bits(sbits), .r(wr_data[g*W +: W])
            );
            assign wr_mask[g] = ((wptr << LOGL) + g) < ({{RW{1'b0}}, 1'b1} << k);
        end
    endgenerate

    assign wr_valid = pv[LAT];
    assign wr_addr = base + ({{(AW-RW-1){1'b0}}, wptr} << LOGL);

    always @(posedge clk) begin
        if (rst) begin
            busy <= 0; reading <= 0; pv <= 0; st_ptr <= 0; wptr <= 0; k <= 0;
        end else begin
            pv <= {pv[LAT-1:1], reading};
            if (wr_valid) wptr <= wptr + 1;
            if (start && !busy) begin
                busy <= 1; reading <= 1; st_ptr <= 0; wptr <= 0;
                k <= log_n; base <= dst_addr;
                sq <= q; smu <= mu; sbits <= bits;
                sfac <= inverse ? n_inv : {{(W-1){1'b0}}, 1'b1};
            end else if (reading) begin
                st_ptr <= st_ptr + 1;
                if (st_ptr + 1 == rows) reading <= 0;
            end else if (busy && !(|pv)) busy <= 0;
        end
    end
endmodule
