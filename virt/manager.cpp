#include "virt/manager.hpp"

#include "common/log.hpp"
#include "virt/libvirt_module.hpp"
#include "virt/rtnetlink_bridge_links.hpp"
#include "virt/status_json.hpp"

namespace vipd::virt {

// Every job posted to the worker holds a work guard on the io_context, so
// io_context::run() does not return before the job posted its result back.
struct Manager::Worker {
  HypervisorFactory make_hypervisor;
  BridgeLinksFactory make_links;
  ControllerOptions options;
  std::string uri;
  std::unique_ptr<Hypervisor> hypervisor;
  std::unique_ptr<GuestController> guests;
  std::unique_ptr<BridgeLinks> links;
  std::unique_ptr<BridgeController> bridges;
  std::string links_error;
  std::vector<conf::VirtBridge> desired_bridges;

  std::vector<BridgeStatus> applyBridges() {
    if (!links && !desired_bridges.empty()) {
      auto opened = make_links();
      if (!opened) {
        links_error = opened.error().message();
      } else {
        links = std::move(*opened);
        bridges = std::make_unique<BridgeController>(*links);
      }
    }
    if (!bridges) {
      std::vector<BridgeStatus> statuses;
      for (const auto& b : desired_bridges) statuses.push_back({b.name, false, false, {}, {}, links_error});
      return statuses;
    }
    return bridges->apply(desired_bridges);
  }
};

Manager::Manager(asio::io_context& io, ManagerOptions options)
    : Manager(io, options, makeLibvirtHypervisor, []() -> Result<std::unique_ptr<BridgeLinks>> {
        auto links = RtnetlinkBridgeLinks::open();
        if (!links) return links.error();
        return std::unique_ptr<BridgeLinks>(std::move(*links));
      }) {}

Manager::Manager(asio::io_context& io, ManagerOptions options, HypervisorFactory hypervisors, BridgeLinksFactory links)
    : io_(io), options_(options), worker_(std::make_unique<Worker>()), timer_(io) {
  worker_->make_hypervisor = std::move(hypervisors);
  worker_->make_links = std::move(links);
  worker_->options = options.controller;
}

Manager::~Manager() {
  alive_.reset();
  timer_.cancel();
  pool_.join();  // finishes what was queued; the worker state is ours again after this
}

void Manager::apply(const conf::Config& config) {
  desired_ = config.virt;
  applied_ = true;
  // The poll timer first: it keeps the io_context's work count above zero
  // even if the worker finishes the job below before this function returns.
  armTimer();
  std::weak_ptr<int> alive = alive_;
  asio::post(pool_, [this, virt = config.virt, alive, work = asio::make_work_guard(io_)] {
    Worker& w = *worker_;
    if (!w.hypervisor || w.uri != virt.uri) {
      w.guests.reset();
      w.hypervisor = w.make_hypervisor(virt.uri);
      w.uri = virt.uri;
      w.hypervisor->onEvent([this, alive](const std::string&) {
        // A libvirt thread: hop to the io_context.
        if (alive.expired()) return;
        asio::post(io_, [this, alive] {
          if (!alive.expired()) requestPass();
        });
      });
      w.guests = std::make_unique<GuestController>(*w.hypervisor, w.options);
    }
    w.guests->setDesired(virt);
    w.desired_bridges = virt.bridges;
  });
  requestPass();
}

void Manager::armTimer() {
  if (stopped_) return;
  timer_.expires_after(options_.poll_interval);
  std::weak_ptr<int> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || stopped_) return;
    requestPass();
    armTimer();
  });
}

void Manager::requestPass() {
  if (stopped_ || !applied_) return;
  if (pass_running_) {
    pass_again_ = true;
    return;
  }
  pass_running_ = true;
  std::weak_ptr<int> alive = alive_;
  asio::post(pool_, [this, alive, work = asio::make_work_guard(io_)] {
    Worker& w = *worker_;
    auto bridges = w.applyBridges();  // before guests: their NICs need the bridges
    auto guests = w.guests->reconcile(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
    asio::post(io_, [this, alive, guests = std::move(guests), bridges = std::move(bridges)]() mutable {
      if (!alive.expired()) passDone(std::move(guests), std::move(bridges));
    });
  });
}

void Manager::passDone(Snapshot guests, std::vector<BridgeStatus> bridges) {
  pass_running_ = false;
  ++passes_;
  if (!guests.error.empty() && guests.error != guests_.error) log::warning("virt: " + guests.error);
  guests_ = std::move(guests);
  bridges_ = std::move(bridges);

  std::map<std::string, bool> running;
  for (const auto& g : guests_.guests) running[g.name] = g.state == "running";
  if (!guests_.error.empty() && guests_.guests.empty()) running = running_;  // unknown: keep the last view
  auto previous = std::move(running_);
  running_ = running;
  if (running_changed_) {
    for (const auto& [name, now] : running_) {
      auto before = previous.find(name);
      if ((before == previous.end() ? false : before->second) != now) running_changed_(name, now);
    }
    for (const auto& [name, before] : previous)
      if (before && !running_.count(name)) running_changed_(name, false);
  }
  if (pass_again_) {
    pass_again_ = false;
    requestPass();
  }
}

nlohmann::json Manager::status() const { return statusJson(desired_.uri, guests_, bridges_); }

void Manager::stop(std::function<void()> done) {
  stopped_ = true;
  timer_.cancel();
  std::weak_ptr<int> alive = alive_;
  asio::post(pool_, [this, alive, done = std::move(done), work = asio::make_work_guard(io_)] {
    asio::post(io_, [alive, done] {
      if (!alive.expired() && done) done();
    });
  });
}

bool Manager::guestRunning(const std::string& guest) const {
  auto found = running_.find(guest);
  return found != running_.end() && found->second;
}

std::set<int> Manager::runningGuestVncPorts() const {
  std::set<int> ports;
  for (const auto& guest : guests_.guests)
    if (guest.state == "running" && guest.vnc_port) ports.insert(*guest.vnc_port);
  return ports;
}

void Manager::command(const std::string& action, const std::string& guest, std::function<void(nlohmann::json)> reply) {
  std::weak_ptr<int> alive = alive_;
  asio::post(pool_, [this, alive, action, guest, reply = std::move(reply), work = asio::make_work_guard(io_)] {
    Worker& w = *worker_;
    Status status = w.guests ? w.guests->command(action, guest, std::chrono::steady_clock::now())
                             : Status(Error::fromErrno(EAGAIN, "virt is not configured yet"));
    nlohmann::json answer{{"ok", status.ok()}, {"action", action}, {"guest", guest}};
    if (!status) answer["error"] = status.error().message();
    asio::post(io_, [this, alive, reply, answer] {
      if (alive.expired()) return;
      if (reply) reply(answer);
      requestPass();
    });
  });
}

nlohmann::json Manager::command(const std::string& action, const std::string& guest) {
  if (action != "start" && action != "stop" && action != "restart")
    return {{"ok", false}, {"error", "unknown action " + action + " (start | stop | restart)"}};
  bool known = std::any_of(desired_.guests.begin(), desired_.guests.end(),
                           [&](const conf::VirtGuest& g) { return g.name == guest; });
  if (!known) return {{"ok", false}, {"error", "no guest named " + guest + " in the config"}};
  command(action, guest, [action, guest](const nlohmann::json& answer) {
    if (!answer.value("ok", false))
      log::warning("virt: " + action + " " + guest + ": " + answer.value("error", std::string()));
  });
  return {{"ok", true}, {"queued", true}, {"action", action}, {"guest", guest}};
}

}  // namespace vipd::virt
