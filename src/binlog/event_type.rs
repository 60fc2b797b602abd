//! The binlog event type codes the decoder and the live reader act on (MySQL and MariaDB).

pub(crate) const QUERY: u8 = 2;
pub(crate) const ROTATE: u8 = 4;
pub(crate) const FORMAT_DESCRIPTION: u8 = 15;
pub(crate) const XID: u8 = 16;
pub(crate) const TABLE_MAP: u8 = 19;
pub(crate) const WRITE_V1: u8 = 23;
pub(crate) const UPDATE_V1: u8 = 24;
pub(crate) const DELETE_V1: u8 = 25;
pub(crate) const HEARTBEAT: u8 = 27;
pub(crate) const WRITE_V2: u8 = 30;
pub(crate) const UPDATE_V2: u8 = 31;
pub(crate) const DELETE_V2: u8 = 32;
pub(crate) const GTID: u8 = 33;
pub(crate) const ANONYMOUS_GTID: u8 = 34;
pub(crate) const PARTIAL_UPDATE: u8 = 39;
pub(crate) const TRANSACTION_PAYLOAD: u8 = 40;
pub(crate) const GTID_TAGGED: u8 = 42;
pub(crate) const MARIADB_GTID: u8 = 162;
pub(crate) const MARIADB_GTID_LIST: u8 = 163;
