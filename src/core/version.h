#ifndef WH_VERSION_H
#define WH_VERSION_H

#include "config.h"

#define WH_PRODUCT	"Momentumpro-Webhooks"
#define WH_VERSION	PACKAGE_VERSION
#define WH_USER_AGENT	WH_PRODUCT "/" WH_VERSION

#endif
