// np_no_ext.vh: np_core's FNP2 external-memory port tied off, for the blocks without one
// (cnp, hrc): `include it in the np_core instance's connection list, before `.*`.
      .ext_rd_ready(1'b0),  // no external memory port (FNP2 only)
      .ext_rsp_valid(1'b0),
      .ext_rsp_data(32'd0),
      /* verilator lint_off PINCONNECTEMPTY */
      .ext_rd_valid(),
      .ext_rd_addr(),
      /* verilator lint_on PINCONNECTEMPTY */
