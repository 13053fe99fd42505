/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test sources the harness registers (see obs_harness.h). */
#pragma once

void harness_register_test_sources(void);
