//! The integration tests, one binary: each module is a former test file, all sharing the
//! harness in `common` (real servers the tests start themselves). One binary links once.

#[macro_use]
mod common;

mod checklist;
mod cli_contract;
mod doctor_fix;
mod doctor_live;
mod doctor_mysql;
mod doctor_read_only;
mod doctor_tls;
mod hints;
mod kafka_client;
mod kafka_compression;
mod monitor;
mod pipeline_kafka;
mod pipeline_offset;
mod pipeline_sample;
mod playbook_cli;
mod playbook_errors;
mod playbooks;
mod recorded_servers;
mod recordings_match_mysql;
mod sandbox;
mod sandbox_mysql;
mod sandbox_replica;
mod tail_files;
mod tail_live;
mod tail_live_cli;
mod tail_mysql;
mod tail_panel;
mod tail_stream;
mod validate;
mod validate_crud;
mod validate_kafka;
mod validate_lakehouse;
mod validate_pg_tls;
