//! Evidence files as the server handles them. What a file is and how long it
//! plays is the domain's (`gridline_domain::media`); what a photo says about
//! itself, and its preview, is decoded here.

pub mod photo;
