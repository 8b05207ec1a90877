// cnp: the convolutional NP (CNP1/CNP2) of akisim, event-driven convolution of one layer slice.
//
// A thin wrapper of np_core (see there for the ports, the FSM and what is covered) with the
// CNP cycle parameters, named like the calibration fields of npu_cost_params / mesh/calib:
// an input event takes CNP_EVENT_OVERHEAD + G' * CNP_EVENT_CYCLES_k cycles (k = max(kx, ky)
// clamped to 7, G' = ceil(filters / CNP_FILTER_LANES), 1 for depthwise) and the end of frame
// P * G * CNP_OUTPUT_CYCLES cycles before emission. Each filter lane has one MAC per cycle;
// one kernel tap of one filter group is integrated per cycle. SeparableConvolutional (fused
// depthwise x pointwise): CNP_EVENT_OVERHEAD + G * CNP_SEP_EVENT_CYCLES per event plus the
// weight-row streaming at CNP_SEP_CHANNELS_PER_CYCLE, and ceil(P * G * in.c /
// CNP_PW_CHANNELS_PER_CYCLE) more at the end of frame; transposed kinds like their forward
// counterparts. The build sets every parameter from the calibration file (rtl/CMakeLists.txt);
// the defaults below only serve the lint.
// PORTS: stable contract of the cosim adapters (docs/rtl.md "Ports"); unchanged by the
// separable / transposed support (parameters only were added). The ports shared with fnp and
// hrc are in np_ports.vh; the unused external-memory port of np_core is tied off by
// np_no_ext.vh.
`include "npu_regmap.vh"

module cnp #(
    parameter int CNP_FILTER_LANES = 8,  // filters updated in parallel (one filter group)
    parameter int CNP_EVENT_OVERHEAD = 1,  // fixed cycles per input event
    parameter int CNP_EVENT_CYCLES_1 = 1,  // cycles per event per filter group, k x k kernel
    parameter int CNP_EVENT_CYCLES_2 = 4,
    parameter int CNP_EVENT_CYCLES_3 = 9,
    parameter int CNP_EVENT_CYCLES_4 = 16,
    parameter int CNP_EVENT_CYCLES_5 = 25,
    parameter int CNP_EVENT_CYCLES_6 = 36,
    parameter int CNP_EVENT_CYCLES_7 = 49,
    parameter int CNP_OUTPUT_CYCLES = 1,  // cycles per output position per filter group
    parameter int CNP_PW_CHANNELS_PER_CYCLE = 64,  // separable: end-of-frame pointwise rate
    parameter int CNP_SEP_EVENT_CYCLES = 2,  // separable: cycles per event per filter group
    parameter int CNP_SEP_CHANNELS_PER_CYCLE = 155,  // separable: pointwise row streaming rate
    parameter int WEIGHT_WORDS = 16384,  // WEIGHTS SRAM depth (32-bit words)
    parameter int WROWS = 16384,  // unpacked weight rows
    parameter int POT_ROWS = 8192,  // potential SRAM rows (positions x filter groups)
    parameter int MAX_FILTERS = 256,  // filters per slice
    parameter int MAX_CHANNELS = 256,  // input channels
    parameter int DW_WORDS = 16384  // separable depthwise weights (channels x taps)
) (
`include "np_ports.vh"
    output logic [63:0] cyc_stall  // emission and back-pressure cycles
);
  np_core #(
      .KIND(`NPU_RM_TYPE_CNP),
      .LANES(CNP_FILTER_LANES),
      .EV_OVERHEAD(CNP_EVENT_OVERHEAD),
      .EV_CYC_1(CNP_EVENT_CYCLES_1),
      .EV_CYC_2(CNP_EVENT_CYCLES_2),
      .EV_CYC_3(CNP_EVENT_CYCLES_3),
      .EV_CYC_4(CNP_EVENT_CYCLES_4),
      .EV_CYC_5(CNP_EVENT_CYCLES_5),
      .EV_CYC_6(CNP_EVENT_CYCLES_6),
      .EV_CYC_7(CNP_EVENT_CYCLES_7),
      .OUT_CYCLES(CNP_OUTPUT_CYCLES),
      .PW_RATE(CNP_PW_CHANNELS_PER_CYCLE),
      .SEP_EV(CNP_SEP_EVENT_CYCLES),
      .SEP_RATE(CNP_SEP_CHANNELS_PER_CYCLE),
      .WEIGHT_WORDS(WEIGHT_WORDS),
      .WROWS(WROWS),
      .POT_ROWS(POT_ROWS),
      .MAX_FILTERS(MAX_FILTERS),
      .MAX_CHANNELS(MAX_CHANNELS),
      .DW_WORDS(DW_WORDS)
  ) core (
`include "np_no_ext.vh"
      .*
  );
endmodule
