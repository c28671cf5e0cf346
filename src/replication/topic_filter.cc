#include "replication/topic_filter.h"

#include "mm2/naming.h"

namespace strait::replication {

bool TopicFilter::Matches(const std::string& topic) const {
  return !mm2::IsInternalTopic(topic) && names_.Matches(topic);
}

}  // namespace strait::replication
