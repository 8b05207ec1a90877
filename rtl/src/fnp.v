// fnp: the fully connected NP (FNP3 internal weights, FNP2 external weights) of akisim:
// FullyConnected (v1) and Dense1D (v2). An input event (x, y, c) is flattened to
// (x * in.y + y) * in.c + c and adds value x weight to every unit of the slice,
// FNP_UNIT_LANES units per cycle: an event takes G * FNP_EVENT_CYCLES cycles
// (G = ceil(units / FNP_UNIT_LANES)); the end of frame G * FNP_OUTPUT_CYCLES cycles before
// emission (npu_cost_fnp_events / npu_cost_output).
// A thin wrapper of np_core. FNP2 (EXT_WORDS != 0): per accepted event one external read per
// unit (stall cycles, timed by the engine's memory model), then the same integration.
// PORTS: stable contract of the cosim adapters (docs/rtl.md "Ports"). ADDED for FNP2: the
// external-memory read port ext_rd_valid/ext_rd_ready/ext_rd_addr (byte address of a 32-bit
// word of the program's external image) and ext_rsp_valid/ext_rsp_data (in order, latency
// >= 1, one outstanding). FNP3 never requests: tie ext_rd_ready = ext_rsp_valid = 0.
`include "npu_regmap.vh"

module fnp #(
    parameter int FNP_UNIT_LANES = 8,  // units updated in parallel
    parameter int FNP_EVENT_CYCLES = 1,  // cycles per input event per unit group
    parameter int FNP_OUTPUT_CYCLES = 1,  // cycles per unit group at the end of frame
    parameter int WEIGHT_WORDS = 16384,  // WEIGHTS SRAM depth (32-bit words)
    parameter int WROWS = 16384,  // unpacked weight rows (groups x inputs)
    parameter int MAX_FILTERS = 256,  // units per slice
    parameter int MAX_CHANNELS = 256  // input channels
) (
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
    output logic [63:0] cyc_stall,  // emission, back-pressure and external memory cycles
    // FNP2 external weight memory (EXT_WORDS != 0): read request valid/ready with the byte
    // address of one 32-bit word, response data in request order (any latency >= 1 cycle;
    // one request outstanding). FNP3 never requests: tie ext_rd_ready / ext_rsp_valid to 0.
    output logic ext_rd_valid,
    input logic ext_rd_ready,
    output logic [31:0] ext_rd_addr,
    input logic ext_rsp_valid,
    input logic [31:0] ext_rsp_data
);
  np_core #(
      .KIND(`NPU_RM_TYPE_FNP),
      .LANES(FNP_UNIT_LANES),
      .EV_OVERHEAD(0),
      .EV_CYC_1(FNP_EVENT_CYCLES),
      .OUT_CYCLES(FNP_OUTPUT_CYCLES),
      .WEIGHT_WORDS(WEIGHT_WORDS),
      .WROWS(WROWS),
      .POT_ROWS(64),
      .MAX_FILTERS(MAX_FILTERS),
      .MAX_CHANNELS(MAX_CHANNELS)
  ) core (
      .*
  );
endmodule
