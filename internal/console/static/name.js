// Live feedback on the add form: the connection name checked as it is
// typed, and the account ID read from the role ARN. It mirrors the
// server's rule (internal/validate ConnectionName) for feedback only; the
// server checks again on submit and its answer is the one that counts.
(function () {
  "use strict";

  function nameProblems(name) {
    var problems = [];
    if (name === "") {
      return ["it is empty"];
    }
    if (Array.from(name).length > 63) {
      problems.push("it is " + Array.from(name).length + " characters long, the limit is 63");
    }
    if (name.indexOf(".") >= 0) { problems.push("it contains a period (.)"); }
    if (/\s/.test(name)) { problems.push("it contains a space"); }
    if (name !== name.toLowerCase()) { problems.push("it contains upper-case letters"); }
    if (name.indexOf("_") >= 0) { problems.push("it contains an underscore (_)"); }
    var other = Array.from(name).filter(function (c) {
      return !/[a-z0-9\-._\s]/.test(c) && c === c.toLowerCase();
    });
    if (other.length) {
      problems.push("it contains the character(s) " + Array.from(new Set(other)).join(", "));
    }
    if (name.charAt(0) === "-" || name.charAt(name.length - 1) === "-") {
      problems.push("it starts or ends with a dash");
    }
    return problems;
  }

  var name = document.getElementById("name");
  var nameLive = document.getElementById("name-live");
  if (name && nameLive) {
    name.addEventListener("input", function () {
      var problems = nameProblems(name.value);
      nameLive.textContent = problems.length ? "Not valid: " + problems.join("; ") + "." : "Valid name.";
      nameLive.className = problems.length ? "live bad" : "live good";
      name.setAttribute("aria-invalid", problems.length ? "true" : "false");
    });
  }

  var arn = document.getElementById("role_arn");
  var account = document.getElementById("account-id");
  if (arn && account) {
    arn.addEventListener("input", function () {
      var m = /^arn:[a-z-]+:iam::(\d{12}):role\/\S+$/.exec(arn.value.trim());
      account.textContent = m ? "Account ID: " + m[1] : "";
    });
  }
})();
