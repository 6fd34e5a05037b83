// ckwrap's stderr may carry one live line: the status line, redrawn in place
// on a terminal (supervise/status_line.h). Every other write to the terminal
// (ckwrap's messages, the job's passed-through output) goes through here, so
// the live line is cleared first and redrawn only where a line starts: the
// other output prints whole above it. Single-threaded: the event loop's.
#pragma once

#include <string_view>

namespace ckwrap {

// Every write of ckwrap's to its stdout or stderr goes between these, so a
// live line is cleared first and redrawn only at a line start.
void TerminalOutputBegin();
void TerminalOutputEnd(std::string_view written);

// One whole message line to stderr in one write(2) (so it does not
// interleave mid-line with the job's), between Begin and End.
void WriteMessageLine(std::string_view line);

// From now on a live line is kept on stderr; nothing is drawn until
// DrawLiveLine.
void StartLiveLine();
// Draws line in place of the live one: not while others' output is mid-line,
// and not again when it is the same line still on the screen.
void DrawLiveLine(std::string_view line);
// Clears the live line for good (the run's last messages follow).
void StopLiveLine();

}  // namespace ckwrap
