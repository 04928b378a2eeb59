//! azmc-wire
