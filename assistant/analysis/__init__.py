"""Pure computations over market frames: attribution, flows, premium. No I/O here."""
