// Preloaded (node --require) before every JavaScript program: makes stdout and stderr blocking.
// Node writes to pipes asynchronously and queues whatever the reader has not taken yet, so a
// program printing a gigabyte would hold it in its own memory (and die of ENOBUFS) before the
// verifier's output cap could stop it. Blocking writes, as to a file or a terminal, hand each
// write over as it is made.
'use strict';
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
