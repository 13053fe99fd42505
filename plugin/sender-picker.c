/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drop-downs of senders, filled from common/'s sender list. */
#include <stdio.h>

#include "sender-picker.h"

void tdshm_picker_fill(obs_property_t *list, tdshm_sender_kind kind, const char *choose_text,
		       const char *first_text, const char *none_text, const char *unsupported_text)
{
	obs_property_list_clear(list);
	obs_property_list_add_string(list, choose_text, "");
	if (first_text)
		obs_property_list_add_string(list, first_text, TDSHM_PICKER_FIRST_AVAILABLE);
	tdshm_sender_list senders;
	tdshm_error err;
	tdshm_error_clear(&err);
	if (tdshm_sender_list_read(&senders, &err) != TDSHM_OK) {
		blog(LOG_DEBUG, "[obs-tdshm] cannot list senders: %s", err.message);
		obs_property_list_add_string(list, unsupported_text, "");
		tdshm_sender_list_free(&senders);
		return;
	}
	size_t offered = 0;
	for (size_t i = 0; i < senders.count; i++) {
		const tdshm_sender_entry *entry = &senders.entries[i];
		if (!tdshm_sender_entry_offered(entry, kind))
			continue;
		char summary[128], label[TDSHM_USER_NAME_MAX + 160];
		tdshm_sender_entry_summary(entry, summary, sizeof(summary));
		snprintf(label, sizeof(label), "%s  (%s)", entry->name, summary);
		obs_property_list_add_string(list, label, entry->name);
		offered++;
	}
	if (offered == 0)
		obs_property_list_add_string(list, none_text, "");
	tdshm_sender_list_free(&senders);
}

bool tdshm_picker_first(tdshm_sender_kind kind, char *out, size_t cap)
{
	tdshm_sender_list senders;
	tdshm_error err;
	bool found = false;
	if (tdshm_sender_list_read(&senders, &err) == TDSHM_OK) {
		const tdshm_sender_entry *first = tdshm_sender_list_first_offered(&senders, kind);
		if (first) {
			snprintf(out, cap, "%s", first->name);
			found = true;
		}
	}
	tdshm_sender_list_free(&senders);
	return found;
}
