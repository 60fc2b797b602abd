#!/usr/bin/env python3
"""Writes the mutant binlogs of issue 13 from the real fixtures, each a regression file that
once made `cdc tail --file` loop, or read a wrong value with exit 0. Run from this folder:
`python3 make.py`; the outputs are committed, so tests never depend on this script."""
import struct
import zlib

FIXTURES = "../../../shared/fixtures/binlogs/"
HEADER = 19


def events(data):
    """(offset, length, type, flags) of every event after the 4-byte magic."""
    pos = 4
    while pos + HEADER <= len(data):
        _, ty, _, size, _, flags = struct.unpack_from("<IBIIIH", data, pos)
        yield pos, size, ty, flags
        pos += size


def fde_alg(data):
    """The checksum algorithm byte of the first event, the format description."""
    off, size, ty, _ = next(events(data))
    assert ty == 15
    return data[off + size - 5]


def reseal(data, off, size):
    """Recomputes an event's CRC32 after a change, so only the change itself is wrong."""
    crc = zlib.crc32(bytes(data[off:off + size - 4])) & 0xFFFFFFFF
    struct.pack_into("<I", data, off + size - 4, crc)


def lenenc(data, pos):
    first = data[pos]
    if first < 0xFB:
        return first, 1
    width = {0xFC: 2, 0xFD: 3, 0xFE: 8}[first]
    return int.from_bytes(data[pos + 1:pos + 1 + width], "little"), 1 + width


def empty_bitmap():
    # The first v2 WRITE_ROWS event with a column bitmap that selects no column: every row
    # image is then 0 bytes long, over bytes that never end.
    data = bytearray(open(FIXTURES + "vector.binlog", "rb").read())
    checksummed = fde_alg(data) == 1
    for off, size, ty, _ in events(data):
        if ty == 30:
            body = off + HEADER + 6 + 2
            extra = struct.unpack_from("<H", data, body)[0]
            body += extra
            ncols, width = lenenc(data, body)
            bitmap = body + width
            for i in range((ncols + 7) // 8):
                data[bitmap + i] = 0
            if checksummed:
                reseal(data, off, size)
            break
    open("empty_column_bitmap.binlog", "wb").write(data)


def fde_checksum_off():
    # The format description says binlog_checksum=NONE: one byte that, unchecked, turned
    # verification off for the whole file.
    data = bytearray(open(FIXTURES + "mysql_type_bit.000001", "rb").read())
    off, size, _, _ = next(events(data))
    data[off + size - 5] = 0
    open("fde_checksum_off.000001", "wb").write(data)


def artificial_flag():
    # A rows event marked artificial (0x20), which skipped its CRC, with one more byte of its
    # row image changed: a value decoded wrong, exit 0.
    data = bytearray(open(FIXTURES + "mysql_type_bit.000001", "rb").read())
    for off, size, ty, flags in events(data):
        if ty == 30:
            struct.pack_into("<H", data, off + 17, flags | 0x20)
            data[off + size - 5] ^= 0x01
            break
    open("artificial_flag.000001", "wb").write(data)


def payload(name, change):
    # The compressed transaction's header changed by `change(data, header_start)`, resealed:
    # mysql_common's reader of that header panicked on each (found by fuzz/binlog_decode).
    data = bytearray(open(FIXTURES + "transaction_compression.000001", "rb").read())
    for off, size, ty, _ in events(data):
        if ty == 40:
            change(data, off + HEADER)
            reseal(data, off, size)
            break
    open(name, "wb").write(data)


def unknown_compression(data, at):
    # Its first field is the compression type (2, 1 byte long, 0 = zstd): make it 101.
    assert data[at:at + 3] == b"\x02\x01\x00"
    data[at + 2] = 101


def field_past_end(data, at):
    # The same field as one no server writes (9), 250 bytes long: past the event's end.
    data[at] = 9
    data[at + 1] = 250


def json_decimal_scale():
    # A DECIMAL(6,3) inside a JSON value given scale 9, above its precision: mysql_common's
    # JSON reader panicked (found by fuzz/binlog_decode).
    data = bytearray(open(FIXTURES + "json-opaque.binlog", "rb").read())
    at = data.index(bytes([0xF6, 6, 6, 3]))
    data[at + 3] = 9
    for off, size, _, _ in events(data):
        if off <= at < off + size:
            reseal(data, off, size)
            print("json_decimal_scale.binlog: the event at", off)
    open("json_decimal_scale.binlog", "wb").write(data)


empty_bitmap()
fde_checksum_off()
artificial_flag()
payload("payload_compression_type.000001", unknown_compression)
payload("payload_field_past_end.000001", field_past_end)
json_decimal_scale()
