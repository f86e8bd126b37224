#include "ipvs/op.hpp"

namespace vipd::ipvs {

std::string_view kindName(Op::Kind kind) {
  switch (kind) {
    case Op::Kind::addService:
      return "add-service";
    case Op::Kind::updateService:
      return "update-service";
    case Op::Kind::addDestination:
      return "add-destination";
    case Op::Kind::updateDestination:
      return "update-destination";
    case Op::Kind::drainDestination:
      return "drain-destination";
    case Op::Kind::deleteDestination:
      return "delete-destination";
    case Op::Kind::deleteService:
      return "delete-service";
  }
  return "unknown";
}

std::string Op::str() const {
  std::string text = std::string(kindName(kind)) + " " + service.key.str();
  switch (kind) {
    case Kind::addService:
    case Kind::updateService:
      text += " " + service.scheduler + " flags " + std::to_string(service.flags) + " timeout " +
              std::to_string(service.timeout) + " /" + std::to_string(service.netmask);
      break;
    case Kind::addDestination:
    case Kind::updateDestination:
    case Kind::drainDestination:
      text += " -> " + destination.key.str() + " " + std::string(forwardingName(destination.forwarding)) + " w" +
              std::to_string(destination.weight);
      break;
    case Kind::deleteDestination:
      text += " -> " + destination.key.str();
      break;
    case Kind::deleteService:
      break;
  }
  return text;
}

bool Op::operator==(const Op& other) const {
  if (kind != other.kind || service.key != other.service.key) return false;
  switch (kind) {
    case Kind::addService:
    case Kind::updateService:
      return service.sameSettings(other.service);
    case Kind::addDestination:
    case Kind::updateDestination:
    case Kind::drainDestination:
      return destination.key == other.destination.key && destination.sameSettings(other.destination);
    case Kind::deleteDestination:
      return destination.key == other.destination.key;
    case Kind::deleteService:
      return true;
  }
  return false;
}

}  // namespace vipd::ipvs
