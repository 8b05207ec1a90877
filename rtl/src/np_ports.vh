// np_ports.vh: the ports every NP block (cnp, fnp, hrc) shares with np_core, from clk to
// cyc_busy, each followed by a comma: `include it first in a block's port list, then declare
// the block's own ports (cyc_stall, whose meaning is the block's, and fnp's external port).
// PORTS: stable contract of the cosim adapters (docs/rtl.md "Ports").
    input logic clk,
    input logic rst_n,
    input logic cfg_valid,  // configuration port: register / SRAM word write
    input logic cfg_sram,  // 0 = register block, 1 = SRAM region
    input logic [1:0] cfg_region,  // SRAM region id (NPU_RM_REGION_*)
    input logic [31:0] cfg_offset,  // word offset
    input logic [31:0] cfg_data,  // word
    input logic cfg_start,  // decode what was written, unpack weights
    output logic cfg_done,  // configured
    output logic cfg_err,  // configuration not covered by this RTL
    input logic frame_start,  // clear potentials (when idle)
    input logic frame_end,  // run the output stage (when idle)
    input logic ev_valid,  // event input
    output logic ev_ready,
    input logic [15:0] ev_x,
    input logic [15:0] ev_y,
    input logic [31:0] ev_c,
    input logic [31:0] ev_value,
    output logic out_valid,  // event output, order (x, y, c)
    input logic out_ready,
    output logic [15:0] out_x,
    output logic [15:0] out_y,
    output logic [31:0] out_c,
    output logic [31:0] out_value,
    output logic idle,  // waiting for events / frame commands
    output logic done,  // end of frame finished (pulse)
    output logic [63:0] cyc_busy,  // cycles of the cost formulas (npu_cost.c)
