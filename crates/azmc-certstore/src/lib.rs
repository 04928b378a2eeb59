//! azmc-certstore
