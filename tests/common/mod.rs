//! Shared helpers of the black-box tests: the app on port 0 and a mock Graph API on loopback.
#![allow(dead_code)]

pub mod mock_graph;
