/* axcon/axcon.h - umbrella header of libaxcon: include this to get the whole public API.
 * Pipeline: msa.h (read) -> weights.h (weight) -> ... ; see README.md for the map. */
#ifndef AXCON_AXCON_H
#define AXCON_AXCON_H

#define AXCON_VERSION "0.1.0"

#include "axcon/error.h"
#include "axcon/log.h"
#include "axcon/ofile.h"
#include "axcon/msa.h"
#include "axcon/weights.h"
#include "axcon/encode.h"
#include "axcon/mf.h"
#include "axcon/pll.h"
#include "axcon/plm.h"
#include "axcon/attn.h"
#include "axcon/contacts.h"
#include "axcon/head.h"
#include "axcon/output.h"
#include "axcon/npz.h"
#include "axcon/predict.h"
#include "axcon/structure.h"
#include "axcon/pred.h"
#include "axcon/eval.h"
#include "axcon/simulate.h"
#include "axcon/plot.h"
#include "axcon/batch.h"

#endif
