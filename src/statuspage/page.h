// The status page served at / : one HTML document with its CSS and JavaScript inline, so
// that it needs nothing from outside strait (status_page.html, embedded at build time).
#pragma once

#include <string_view>

namespace strait::statuspage {

std::string_view PageHtml();

}  // namespace strait::statuspage
