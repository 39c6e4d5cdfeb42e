"""How far apart two versions of a golden file are, read without loading either.

When a file regenerates with other bytes, the question is whether a kernel
rounded differently (a few float32 ulps in tensor data) or something else
changed (a pickle, code, a shape). Both kinds of file are zip archives
(torch.save's zipfile format, TorchScript) whose tensor data are raw members
`<archive>/data/<key>`; a legacy torch.save file is compared as a whole.
Tensor data are read as little-endian float32, which is what the float parts
of the corpora hold; for integer data the ulps are a byte-level measure only.
"""

import dataclasses
import struct
import zipfile


@dataclasses.dataclass(frozen=True)
class MemberDistance:
    member: str
    elements: int  # float32 elements in the member
    differing: int  # of them, how many differ
    max_ulps: int  # the largest difference, in float32 ulps; None if not comparable as float32

    def line(self):
        if self.max_ulps is None:
            return "%s: differs (not tensor data of the same size)" % self.member
        return "%s: %d of %d float32 element(s) differ, by at most %d ulp(s)" % (
            self.member, self.differing, self.elements, self.max_ulps
        )


def _ordered(bits):
    """float32 bits as an int that orders like the float (so a difference counts ulps)."""
    return bits if bits < 0x80000000 else 0x80000000 - bits


def float32_distance(left, right):
    """(elements, differing, max ulps) of two equal-length byte strings read as float32."""
    count = len(left) // 4
    a = struct.unpack("<%dI" % count, left[: count * 4])
    b = struct.unpack("<%dI" % count, right[: count * 4])
    gaps = [abs(_ordered(x) - _ordered(y)) for x, y in zip(a, b) if x != y]
    return count, len(gaps), max(gaps, default=0)


def _is_data(member):
    parts = member.split("/")
    return len(parts) >= 3 and parts[-2] == "data"


def _distance(name, left, right):
    if len(left) == len(right) and len(left) % 4 == 0 and len(left) > 0:
        elements, differing, max_ulps = float32_distance(left, right)
        return MemberDistance(name, elements, differing, max_ulps)
    return MemberDistance(name, 0, 0, None)


def distance(left_path, right_path):
    """The members that differ between two files, each with its distance; [] if the bytes are equal."""
    with open(left_path, "rb") as f:
        left_bytes = f.read()
    with open(right_path, "rb") as f:
        right_bytes = f.read()
    if left_bytes == right_bytes:
        return []
    try:
        with zipfile.ZipFile(left_path) as left, zipfile.ZipFile(right_path) as right:
            left_members = {info.filename: info for info in left.infolist()}
            right_members = {info.filename: info for info in right.infolist()}
            found = []
            for name in sorted(set(left_members) | set(right_members)):
                if name not in left_members or name not in right_members:
                    found.append(MemberDistance(name + " (in one file only)", 0, 0, None))
                    continue
                a, b = left.read(name), right.read(name)
                if a == b:
                    continue
                found.append(_distance(name, a, b) if _is_data(name) else MemberDistance(name, 0, 0, None))
            return found or [MemberDistance("(zip layout)", 0, 0, None)]
    except zipfile.BadZipFile:
        return [MemberDistance("(whole file, not a zip archive)", 0, 0, None)]


def summary(found):
    """One line: the largest float32 difference, or that something other than tensor data differs."""
    if not found:
        return "identical bytes"
    if any(d.max_ulps is None for d in found):
        return "not only tensor data differ: %s" % "; ".join(d.line() for d in found if d.max_ulps is None)
    return "tensor data only, by at most %d ulp(s) (%d element(s) differ)" % (
        max(d.max_ulps for d in found), sum(d.differing for d in found)
    )
