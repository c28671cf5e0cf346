#include "replication/topic_filter.h"

#include "replication/naming.h"

namespace strait::replication {

bool TopicFilter::Matches(const std::string& topic) const {
  return !IsInternalTopic(topic) && names_.Matches(topic);
}

}  // namespace strait::replication
