// Control bytes made visible. Positions, ids, state and paths come from the
// job or the filesystem; printed raw, an ESC or a C1 CSI in one could drive
// the operator's terminal (set its title, rewrite the screen, answer back).
// Every human-readable message (base/log.cc) and the text of inspect and
// status pass through here; JSON output has its own escaping.
#pragma once

#include <string>
#include <string_view>

namespace ckwrap {

// text with each C0 control byte (0x00-0x1f), DEL (0x7f) and each C1 control
// in UTF-8 (U+0080-U+009F: 0xc2 0x80-0x9f) written as \xNN, one per byte.
// Every other byte, valid UTF-8 or not, is kept: a non-UTF-8 terminal reading
// a lone 0x9b is the terminal's choice of charset, and escaping every
// continuation byte would garble every non-ASCII name.
std::string Printable(std::string_view text);
// The same, keeping line feeds: for messages made of several lines on purpose.
std::string PrintableLines(std::string_view text);

}  // namespace ckwrap
