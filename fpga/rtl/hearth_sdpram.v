// hearth_sdpram: simple dual-port RAM (one write port, one registered read
// port, read-first), the shape of a Xilinx block RAM in SDP mode.
module hearth_sdpram #(
    parameter WIDTH = 64,
    parameter DEPTH = 512,
    parameter AW = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
    input  wire             clk,
    input  wire             we,
    input  wire [AW-1:0]    waddr,
    input  wire [WIDTH-1:0] wdata,
    input  wire             re,
    input  wire [AW-1:0]    raddr,
    output reg  [WIDTH-1:0] rdata
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    always @(posedge clk) begin
        if (we) mem[waddr] <= wdata;
        if (re) rdata <= mem[raddr];
    end
endmodule
